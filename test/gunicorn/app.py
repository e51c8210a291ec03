"""Test apps for test/gunicorn: `app:wsgi_app` (plain WSGI) and `app:flask_app` (Flask, if installed).
Routes: / (200 "ok"), /error (raises), /slow?s=N (sleeps N s), /big?kb=N, /status/N, /midstream (raises in the body)."""
import time


def _route(path, query):
    if path == '/error':
        raise RuntimeError('test error')
    if path == '/slow':
        time.sleep(min(float(query.get('s', '1')), 60))
        return 200, b'slept'
    if path == '/big':
        return 200, b'x' * (1024 * min(int(query.get('kb', '1')), 4096))
    if path.startswith('/status/'):
        return int(path[8:]), b'status'
    return 200, b'ok'


def _query(qs):
    out = {}
    for part in qs.split('&'):
        k, _, v = part.partition('=')
        out[k] = v
    return out


def _midstream():
    yield b'x' * 1000
    raise RuntimeError('test error in the body')


def wsgi_app(environ, start_response):
    if environ.get('PATH_INFO') == '/midstream':  # the headers go out, then the body fails
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return _midstream()
    code, body = _route(environ.get('PATH_INFO', '/'), _query(environ.get('QUERY_STRING', '')))
    start_response('%d X' % code, [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]


try:
    from flask import Flask, Response, request

    flask_app = Flask('tsgitop_test')

    @flask_app.route('/', defaults={'path': ''})
    @flask_app.route('/<path:path>')
    def _any(path):
        code, body = _route('/' + path, dict(request.args))
        return Response(body, status=code, mimetype='text/plain')
except ImportError:  # the test skips Flask cases when it is missing
    flask_app = None
