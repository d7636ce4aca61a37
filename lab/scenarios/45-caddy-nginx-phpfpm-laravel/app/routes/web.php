<?php

use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use Illuminate\Http\Response;
use Illuminate\Support\Facades\Route;
use Symfony\Component\HttpFoundation\Cookie;

// What the app believes about the request: every URL below comes from Laravel's UrlGenerator (asset(), url()),
// which takes its scheme and host from the Request, i.e. from what TrustProxies let it believe.
function seen(Request $request): array
{
    return [
        'scheme' => $request->getScheme(),
        'is_secure' => $request->secure(),
        'build_absolute_uri' => $request->fullUrl(),
        'get_host' => $request->getHttpHost(),
        'remote_addr' => $request->ip(),
        'x_forwarded_proto' => $request->header('X-Forwarded-Proto'),
        'https' => $request->server('HTTPS'),
        'trusted_proxies' => Request::getTrustedProxies(),
    ];
}

Route::get('/whoami', fn (Request $request) => new JsonResponse(seen($request)));

Route::get('/', function (Request $request) {
    $css = asset('static/site.css');
    $action = url('/submit');
    $json = str_replace('</', '<\/', json_encode(seen($request)));
    $html = <<<HTML
<!doctype html>
<html><head><title>Lab Laravel</title><link rel="stylesheet" href="{$css}"></head>
<body><h1>Lab Laravel</h1>
<form method="post" action="{$action}"><button>Send</button></form>
<script type="application/json" id="seen">{$json}</script>
</body></html>
HTML;

    return (new Response($html))->withCookie(Cookie::create('labsession', '1', 0, '/', null, $request->secure()));
});
