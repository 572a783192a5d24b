app_name = "dialogue"
urlpatterns = []
