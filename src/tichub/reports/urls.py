from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("<int:report_id>/", views.report_detail, name="detail"),
    path("<int:report_id>/withdraw/", views.report_withdraw, name="withdraw"),
    path("<int:report_id>/correction/", views.report_correction, name="correction"),
    path("<int:report_id>/summary/", views.report_summary, name="summary"),
    path("issue/<int:sample_id>/", views.report_issue, name="issue"),
    path("issue/<int:sample_id>/preview.pdf", views.report_preview, name="preview"),
]
