app_name = "report_shares"
urlpatterns: list = []
