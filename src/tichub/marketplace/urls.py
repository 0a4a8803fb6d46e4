from .views import invoices, needs, orders, samples

app_name = "marketplace"
urlpatterns = [*needs.urlpatterns, *orders.urlpatterns, *samples.urlpatterns, *invoices.urlpatterns]
