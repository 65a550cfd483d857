"""The GraphQL endpoint: principal in the context, CSRF for session-authenticated POSTs, GraphiQL."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView

from marketing.auth import ANONYMOUS, bearer_token
from reelboard.graphql.core.limits import BATCH_COST_ATTRIBUTE, operation_cost
from reelboard.graphql.core.permissions import Context
from reelboard.graphql.schema import schema
from reelboard.ratelimit import retry_after_seconds


def _reject_csrf(request: HttpRequest) -> HttpResponse | None:
    """Django's own CSRF check, run only where it matters (see ``ReelboardGraphQLView.dispatch``)."""
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})


@method_decorator(csrf_exempt, name="dispatch")
class ReelboardGraphQLView(GraphQLView):
    def dispatch(self, request: HttpRequest, *args, **kwargs):
        wait = retry_after_seconds(request)
        if wait is not None:
            return _rate_limited(wait)
        # A bearer token is not sent by browsers on their own, so token requests cannot be forged
        # cross-site; a session cookie is, so session-authenticated POSTs must carry the CSRF token.
        if request.method == "POST" and bearer_token(request) is None and request.user.is_authenticated:
            rejection = _reject_csrf(request)
            if rejection is not None:
                return rejection
        return super().dispatch(request, *args, **kwargs)

    def parse_http_body(self, request_adapter):
        data = super().parse_http_body(request_adapter)
        if isinstance(data, list):  # a batch shares one cost budget (QueryCostLimiter refuses all of it)
            setattr(request_adapter.request, BATCH_COST_ATTRIBUTE, sum(
                operation_cost(self.schema._schema, item.query or "", item.operation_name, item.variables)
                for item in data))
        return data

    def get_context(self, request: HttpRequest, response: HttpResponse) -> Context:
        return Context(request=request, response=response, principal=getattr(request, "principal", ANONYMOUS))

    def render_graphql_ide(self, request: HttpRequest) -> HttpResponse:
        get_token(request)  # sets the csrftoken cookie, which GraphiQL sends back as X-CSRFToken
        return super().render_graphql_ide(request)


def _rate_limited(wait: int) -> JsonResponse:
    error = {"message": f"Rate limit exceeded: retry after {wait} s.",
             "extensions": {"code": "RATE_LIMITED", "retryAfter": wait}}
    response = JsonResponse({"data": None, "errors": [error]}, status=429)
    response["Retry-After"] = str(wait)
    return response


def graphql_view():
    return ReelboardGraphQLView.as_view(schema=schema, graphql_ide="graphiql" if settings.GRAPHQL_GRAPHIQL else None)
