from .views import imports, methods, results, review, samples, tests, worksheets

app_name = "lims"
urlpatterns = [
    *samples.urlpatterns,
    *methods.urlpatterns,
    *tests.urlpatterns,
    *results.urlpatterns,
    *imports.urlpatterns,
    *review.urlpatterns,
    *worksheets.urlpatterns,
]
