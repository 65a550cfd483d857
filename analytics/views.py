"""Downloads of stored report files, for callers who may read the report's brand."""

from django.http import FileResponse, Http404

from analytics.models import KpiReport
from marketing.auth import principal_for_request


def report_file(request, pk: int, kind: str):
    report = KpiReport.objects.for_principal(principal_for_request(request)).filter(pk=pk).first()
    field = {"csv": "csv_file", "chart": "chart_file"}.get(kind)
    if report is None or field is None or not getattr(report, field):
        raise Http404("No such report file.")
    handle = getattr(report, field).open("rb")
    name = f"kpis-{report.period_start}-{report.period_end}.{'csv' if kind == 'csv' else 'png'}"
    return FileResponse(handle, as_attachment=kind == "csv", filename=name)
