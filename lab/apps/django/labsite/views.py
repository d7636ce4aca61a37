import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

LAB_USER = ('lab', 'lab-password')


def what_the_app_sees(request):
    meta = request.META
    return {
        'is_secure': request.is_secure(),
        'scheme': request.scheme,
        'build_absolute_uri': request.build_absolute_uri(),
        'get_host': request.get_host(),
        'remote_addr': meta.get('REMOTE_ADDR'),
        'wsgi_url_scheme': meta.get('wsgi.url_scheme'),
        'http_host': meta.get('HTTP_HOST'),
        'x_forwarded_proto': meta.get('HTTP_X_FORWARDED_PROTO'),
        'x_forwarded_for': meta.get('HTTP_X_FORWARDED_FOR'),
        'x_forwarded_host': meta.get('HTTP_X_FORWARDED_HOST'),
        'forwarded': meta.get('HTTP_FORWARDED'),
        'server_port': meta.get('SERVER_PORT'),
        'path': request.get_full_path(),
    }


def index(request):
    return render(request, 'index.html', {
        'seen': what_the_app_sees(request),
        'seen_json': json.dumps(what_the_app_sees(request), indent=2),
        'form_action': request.build_absolute_uri(reverse('submit')),
    })


def whoami(request):
    return JsonResponse(what_the_app_sees(request))


@require_POST
def submit(request):
    return render(request, 'submitted.html', {'value': request.POST.get('comment', ''), 'seen': what_the_app_sees(request)})


def login_view(request):
    error = ''
    next_url = request.GET.get('next') or request.POST.get('next') or reverse('private')
    if request.method == 'POST':
        if (request.POST.get('username'), request.POST.get('password')) == LAB_USER:
            request.session['lab_user'] = LAB_USER[0]
            # Like many apps (and OAuth callbacks), the post-login redirect is made absolute from the request.
            return redirect(request.build_absolute_uri(next_url))
        error = 'wrong user name or password'
    return render(request, 'login.html', {'next': next_url, 'error': error,
                                          'form_action': request.build_absolute_uri(reverse('login'))})


@login_required
def private(request):
    return HttpResponse('private page\n', content_type='text/plain')


def healthz(request):
    return HttpResponse('ok\n', content_type='text/plain')
