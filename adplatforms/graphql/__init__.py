"""Ad-platform API: ``adAccounts``, ``platformDailyStats``, ``externalAdObjects``; create / update / delete /
sync an ad account. Credentials are input-only: no type has a field that returns them."""

from adplatforms.graphql.mutations import AdPlatformsMutation as Mutation
from adplatforms.graphql.queries import Query

__all__ = ["Mutation", "Query"]
