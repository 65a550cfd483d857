"""Ad-platform API: ``adAccounts``, ``platformDailyStats``, ``externalAdObjects``; create / update / delete /
sync an ad account. Credentials are input-only: no type has a field that returns them."""

from reelboard.graphql.adplatforms.mutations import AdPlatformsMutation as Mutation
from reelboard.graphql.adplatforms.schema import Query

__all__ = ["Mutation", "Query"]
