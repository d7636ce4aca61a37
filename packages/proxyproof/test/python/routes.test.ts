/**
 * `routeOf`: the route of the Flask/FastAPI view that holds a line (the doctor names it in `probe --client-ip-path`).
 * A table of views, with traps: a POST-only route, a path parameter, a helper with no route, a blueprint from
 * another file, a nested function inside a view.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeOf } from '../../src/collectors/python/routes.js';

/** The route of the line holding `MARK`. */
function routeAt(src: string[]): string | undefined {
  const i = src.findIndex((l) => l.includes('MARK'));
  assert.ok(i >= 0, 'the case marks its line');
  return routeOf(src, i);
}

const cases: Array<{ name: string; src: string[]; route: string | undefined }> = [
  {
    name: 'valid: Flask @app.route',
    src: ['app = Flask(__name__)', '@app.route("/whoami")', 'def whoami():', '    return request.remote_addr  # MARK'],
    route: '/whoami',
  },
  {
    name: 'valid: FastAPI @app.get with a second decorator and a blank line in the body',
    src: [
      'app = FastAPI()',
      "@app.get('/ip', response_model=Ip)",
      '@limiter.limit("5/minute")',
      'async def ip(request: Request):',
      '',
      '    return {"ip": request.client.host}  # MARK',
    ],
    route: '/ip',
  },
  {
    name: 'valid: a Blueprint with url_prefix made in the same file',
    src: [
      "bp = Blueprint('me', __name__, url_prefix='/me/')",
      "@bp.get('/ip')",
      'def ip():',
      '    x = request.remote_addr  # MARK',
    ],
    route: '/me/ip',
  },
  {
    name: 'valid: an APIRouter with prefix; methods list with GET',
    src: [
      'router = APIRouter(prefix="/api")',
      '@router.api_route("/ip", methods=["GET", "POST"])',
      'def ip(request):',
      '    return request.client.host  # MARK',
    ],
    route: '/api/ip',
  },
  {
    name: 'valid: a nested function inside the view belongs to the view',
    src: [
      'app = Flask(__name__)',
      '@app.route("/who")',
      'def who():',
      '    def inner():',
      '        return request.remote_addr  # MARK',
      '    return inner()',
    ],
    route: '/who',
  },
  {
    name: 'trap: a POST-only route cannot be asked with a GET',
    src: [
      'app = Flask(__name__)',
      '@app.route("/login", methods=["POST"])',
      'def login():',
      '    log(request.remote_addr)  # MARK',
    ],
    route: undefined,
  },
  {
    name: 'trap: a path parameter has no one path to ask',
    src: ['app = Flask(__name__)', '@app.route("/u/<int:id>")', 'def user(id):', '    log(request.remote_addr)  # MARK'],
    route: undefined,
  },
  {
    name: 'trap: a helper with no route decorator',
    src: ['app = Flask(__name__)', 'def client_ip():', '    return request.remote_addr  # MARK'],
    route: undefined,
  },
  {
    name: 'trap: a module-level read is in no view',
    src: ['app = Flask(__name__)', '@app.route("/")', 'def index():', '    return "ok"', 'ADDR = request.remote_addr  # MARK'],
    route: undefined,
  },
  {
    name: 'trap: a blueprint imported from elsewhere may have a prefix there: no guess',
    src: ['from .views import bp', "@bp.get('/ip')", 'def ip():', '    return request.remote_addr  # MARK'],
    route: undefined,
  },
];

for (const c of cases) {
  test(`python routeOf: ${c.name}`, () => {
    assert.equal(routeAt(c.src), c.route);
  });
}
