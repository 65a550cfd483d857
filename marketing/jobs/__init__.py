"""Background jobs a client can poll: persona training, recommender training, reports."""
