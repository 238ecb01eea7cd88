from showup.reunite.urls_coord import urlpatterns as coord_patterns
from showup.reunite.urls_intake import urlpatterns as intake_patterns

app_name = "reunite"
urlpatterns = [*intake_patterns, *coord_patterns]
