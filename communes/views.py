from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def commune_list(request):
    return render(request, "communes/commune_list.html")
