"""Ad-platform API: ``adAccounts``, ``platformDailyStats``, ``externalAdObjects``; create / update / delete /
sync an ad account. Credentials are input-only: no type has a field that returns them."""
