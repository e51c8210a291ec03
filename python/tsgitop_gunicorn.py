"""tsgitop_gunicorn: a uWSGI-compatible stats server for gunicorn (standard library only).

    gunicorn -c "$(tsgitop --gunicorn-config)" --env TSGITOP_STATS=/run/app/stats.sock app:app
    tsgitop /run/app/stats.sock        # or uwsgitop, or uwsgi --connect-and-read

What it serves, its settings (TSGITOP_STATS, TSGITOP_STATS_PATHS, TSGITOP_MAX_CORES) and how to use it
from your own config file: README.md, "Deploying behind nginx".
"""
import ctypes
import errno
import functools
import json
import logging
import os
import socket
import stat
import struct
import sys
import threading
import time
import types

__all__ = ['on_starting', 'when_ready', 'on_reload', 'pre_fork', 'post_worker_init', 'pre_request',
           'post_request', 'child_exit', 'worker_abort', 'on_exit']

_VERSION = '2.0.21-tsgitop-gunicorn'
_U64 = ctypes.c_uint64
_PAGE = os.sysconf('SC_PAGE_SIZE')
_LOOPBACK = ('127.0.0.1', 'localhost', '::1', '[::1]')
# Not the app's failure: the client gone (OSError), or gunicorn closing a connection (async workers: StopIteration)
_NOT_APP_ERRORS = (OSError, StopIteration)
_LISTENERS = 8  # listeners told apart in the waiting counts (any further ones count in the last)


class _Core(ctypes.Structure):
    _fields_ = [('requests', _U64), ('write_errors', _U64), ('in_request', _U64), ('request_start', _U64),
                ('method', ctypes.c_char * 16), ('path', ctypes.c_char * 240)]


class _Slot(ctypes.Structure):
    _fields_ = [(n, _U64) for n in ('pid', 'requests', 'delta_requests', 'exceptions', 'harakiri_count',
                                    'running_time', 'last_spawn', 'respawn_count', 'tx', 'avg_rt', 'aborted')] + [
                ('waiting', _U64 * _LISTENERS)]  # gthread: connections queued for a thread, by listener


# gunicorn re-executes its config file on every HUP (a fresh module each time): the state that must outlive
# a reload lives here (shm/slots/cores: the shared counters; w: a worker's own context; the rest: the master's).
_st = sys.modules.get('_tsgitop_gunicorn_state')
if _st is None:
    _st = sys.modules['_tsgitop_gunicorn_state'] = types.ModuleType('_tsgitop_gunicorn_state')
    _st.__dict__.update(shm=None, slots=[], cores=[], held=set(), slot_gen=[], generation=0, server=None,
                        sock=None, thread=None, mode='raw', paths=False, w=None, clients=set())


def _cores_per_worker(server):
    cls = server.worker_class
    name = (getattr(cls, '__module__', '') + '.' + getattr(cls, '__name__', '')).lower()
    if 'gevent' in name or 'eventlet' in name or 'tornado' in name:
        try:
            cap = int(os.environ.get('TSGITOP_MAX_CORES', '64'))
        except ValueError:
            cap = 64
        return max(1, min(server.cfg.worker_connections, cap, 4096))
    if 'thread' in name:
        return max(1, server.cfg.threads)
    return 1


def on_starting(server):
    """Master, before the first fork: allocate the shared counters and open the stats socket."""
    addr = os.environ.get('TSGITOP_STATS', '').strip()
    if _st.shm is not None or not addr:
        return
    sock = mode = None
    try:
        sock, mode = _listen(addr)
    except _Busy as e:  # e.g. the old master of a USR2 upgrade: served from when it is gone (when_ready)
        server.log.warning('tsgitop: %s: the stats are served here once it is gone', e)
    except (OSError, ValueError) as e:
        server.log.error('tsgitop: no stats server on %r: %s', addr, e)
        return
    _st.ncores, _st.server, _st.addr = _cores_per_worker(server), server, addr
    _st.shm = _add_slots(max(2 * server.cfg.workers, server.cfg.workers + 4))
    if sock is not None:
        _bound(sock, mode)
    _st.paths = os.environ.get('TSGITOP_STATS_PATHS', '') in ('1', 'yes', 'true')
    os.register_at_fork(after_in_child=lambda: _close_stats(unlink=False))  # once: a HUP's re-run returns above


def _add_slots(n):
    """Master: n more slots (and cores) in new shared memory, anonymous and MAP_SHARED: workers forked later inherit it."""
    import mmap
    per = ctypes.sizeof(_Slot) + _st.ncores * ctypes.sizeof(_Core)
    shm = mmap.mmap(-1, n * per)
    for base in range(0, n * per, per):
        _st.slots.append(_Slot.from_buffer(shm, base))
        _st.cores.append([_Core.from_buffer(shm, base + ctypes.sizeof(_Slot) + j * ctypes.sizeof(_Core))
                          for j in range(_st.ncores)])
    _st.slot_gen += [_st.generation] * n
    return shm


def _bound(sock, mode):
    _st.sock, _st.mode = sock, mode
    name = sock.getsockname()
    if isinstance(name, str) and name:  # at exit the file is removed only if the path is still this one
        _st.ino = (os.stat(name).st_dev, os.stat(name).st_ino)


def when_ready(server):
    """Master, listeners open: start the thread that answers stats reads (first waiting for the address)."""
    if _st.shm is None or _st.thread is not None:
        return
    _st.thread = threading.Thread(target=_serve, name='tsgitop-stats', daemon=True)
    _st.thread.start()


def on_reload(server):
    """Master, HUP: the workers spawned from now on start fresh counters (uWSGI's graceful reload)."""
    _st.generation += 1


def pre_fork(server, worker):
    """Master: a respawn takes its predecessor's freed slot and counters, else the lowest free slot."""
    if _st.shm is None:
        return
    free = sorted((_st.slot_gen[i] != _st.generation, i) for i in range(len(_st.slots)) if i not in _st.held)
    if not free:  # more workers at once than slots (TTIN; a HUP while they drain): more slots for this one and the next
        free = [(False, len(_st.slots))]
        _add_slots(max(4, len(_st.slots) // 2))
    i = free[0][1]
    _st.held.add(i)
    s = _st.slots[i]
    if _st.slot_gen[i] != _st.generation:  # a slot of a worker from before a reload: start afresh
        _st.slot_gen[i] = _st.generation
        ctypes.memset(ctypes.addressof(s), 0, ctypes.sizeof(s) + len(_st.cores[i]) * ctypes.sizeof(_Core))
    s.respawn_count += 1
    s.last_spawn = int(time.time())
    s.delta_requests = 0  # pid, aborted and in_request: cleared by child_exit or the memset
    worker.tsgitop_slot = i


def child_exit(server, worker):
    """Master, a worker is gone: free its slot; gunicorn's timeout kill counts as a harakiri."""
    i = getattr(worker, 'tsgitop_slot', None)
    if _st.shm is None or i is None:
        return
    s = _st.slots[i]
    if getattr(worker, 'aborted', False) or s.aborted:
        s.harakiri_count += 1
    s.aborted = s.pid = 0  # (waiting by the slot's own layout: a HUP may load another version of this file)
    ctypes.memset(ctypes.addressof(s) + type(s).waiting.offset, 0, type(s).waiting.size)
    for c in _st.cores[i]:
        c.in_request = 0
    _st.held.discard(i)


def on_exit(server):
    """Master, shutting down: close the stats socket (and remove its file)."""
    _close_stats(unlink=True)


def _close_stats(unlink):
    sock, _st.sock = _st.sock, None
    for conn in [] if unlink else list(_st.clients):  # in a forked child: its copies of the reads open then
        conn.close()  # (each kept its read open, the reader waiting, for as long as the worker lived)
    try:
        name = sock.getsockname() if unlink else None
        sock.close()
        if unlink and isinstance(name, str) and name:
            st = os.stat(name)  # another server may have taken the path since (a new instance started beside us)
            if (st.st_dev, st.st_ino) == getattr(_st, 'ino', None):
                os.unlink(name)
    except (OSError, AttributeError):
        pass


def post_worker_init(worker):
    """Worker: take the slot, wrap the WSGI app (its copies of the stats sockets were closed after the fork)."""
    i = getattr(worker, 'tsgitop_slot', None)
    if _st.shm is None or i is None:
        return
    _st.w = types.SimpleNamespace(slot=_st.slots[i], cores=_st.cores[i], lock=threading.Lock(), paths=_st.paths,
                                  aborting=False, free=list(range(len(_st.cores[i]) - 1, -1, -1)))  # pop(): core 0 1st
    _st.slots[i].pid = os.getpid()
    _count_waiting(worker, _st.slots[i])
    app = worker.wsgi

    def tsgitop_app(environ, start_response):
        try:
            return app(environ, start_response)
        except Exception:
            environ['tsgitop.exception'] = True
            raise
    worker.wsgi = tsgitop_app


def _count_waiting(worker, slot):
    """Worker (gthread, which accepts while its threads are busy): connections queued for a thread, 4 times a second
    (each future submitted and not yet running, by the listener its connection came from: TConn.server, its name)."""
    if hasattr(getattr(worker, 'futures', None), 'popleft') and hasattr(worker, 'tpool'):  # sync, gevent: the kernel's
        threading.Thread(target=_waiting, args=(worker, slot), name='tsgitop-waiting', daemon=True).start()


def _waiting(worker, slot):
    try:
        names = [s.getsockname() for s in worker.sockets]
        while True:
            n = [0] * _LISTENERS
            for f in list(worker.futures):  # (a copy under the GIL: the worker's loop appends and removes)
                if not (f.running() or f.done()):
                    server = getattr(getattr(f, 'conn', None), 'server', None)
                    n[min(names.index(server) if server in names else 0, _LISTENERS - 1)] += 1
            slot.waiting[:] = n
            time.sleep(0.25)
    except Exception:  # the worker is exiting
        pass


def pre_request(worker, req):
    w = _st.w
    if w is None:
        return
    cid = w.free.pop() if w.free else -1
    if cid >= 0:
        c = w.cores[cid]
        if w.paths:
            c.method = req.method.encode('ascii', 'replace')[:15]
            c.path = req.path.encode('utf-8', 'replace')[:239]
        c.request_start = int(time.time())
        c.in_request = 1
    req.tsgitop = (cid, time.perf_counter_ns())


def post_request(worker, req, environ, resp):
    w = _st.w
    info = getattr(req, 'tsgitop', None)
    if w is None or info is None:
        return
    req.tsgitop = None
    cid, t0 = info
    rt = (time.perf_counter_ns() - t0) // 1000
    err = sys.exc_info()[1]  # post_request runs in gunicorn's `finally`: the request's exception — or, for one raised
    if isinstance(err, StopIteration) and isinstance(err.__context__, Exception):  # after the headers went, gunicorn's
        err = err.__context__  # StopIteration in its place (it logs "Error handling request" and closes the connection)
    if cid >= 0:
        c = w.cores[cid]
        c.in_request = 0
        if w.paths:
            c.method = c.path = b''
        c.requests += 1
        if isinstance(err, OSError):
            c.write_errors += 1
        w.free.append(cid)
    if w.aborting:
        return  # killed by the timeout: uWSGI does not count a harakiri'd request either
    status = getattr(resp, 'status_code', None) or 0
    failed = (status >= 500 or (environ is not None and environ.get('tsgitop.exception', False))
              or (isinstance(err, Exception) and not isinstance(err, _NOT_APP_ERRORS)))
    s = w.slot
    with w.lock:
        s.requests += 1
        s.delta_requests += 1
        s.running_time += rt
        s.avg_rt = (s.avg_rt + rt) // 2  # uWSGI's rule: (avg + last) / 2 per request
        if resp is not None:
            s.tx += resp.sent
        if failed:
            s.exceptions += 1


def worker_abort(worker):
    """Worker, SIGABRT from the master's timeout: mark it, the master counts the harakiri."""
    w = _st.w
    if w is not None:
        w.aborting = True
        w.slot.aborted = 1


def _guard(f):  # a hook that fails is logged and gunicorn goes on: the stats may be wrong, the app server runs on
    @functools.wraps(f)  # (gunicorn checks a hook's arity through the signature this keeps)
    def hook(*args):
        try:
            return f(*args)
        except Exception:
            logging.getLogger('gunicorn.error').exception('tsgitop: %s failed; the stats may be wrong until a restart', f.__name__)
    return hook


for _h in ('on_starting', 'when_ready', 'on_reload', 'pre_fork', 'child_exit', 'on_exit', 'post_worker_init', 'worker_abort'):
    globals()[_h] = _guard(globals()[_h])


# ---- the stats server (master, one thread) ----


class _Busy(ValueError):
    """The stats address is another live process's (a unix path it serves, a TCP port in use)."""


def _listen(addr):
    """(listening socket, 'raw' | 'http') for TSGITOP_STATS; ValueError for what we refuse."""
    if '/' in addr.split('://')[-1] and not addr.startswith('http://') or addr.startswith('unix:'):
        path = os.path.abspath(addr[5:] if addr.startswith('unix:') else addr)
        if os.path.lexists(path):
            if not stat.S_ISSOCK(os.lstat(path).st_mode):
                raise ValueError('%s exists and is not a socket' % path)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                try:
                    probe.connect(path)
                    raise _Busy('another process serves %s' % path)
                except OSError:
                    os.unlink(path)  # a stale socket of a previous run
        s, mode = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM), 'raw'
        old = os.umask(0o177)  # created 0600, never readable by others even for a moment
        try:
            s.bind(path)
        finally:
            os.umask(old)
    else:
        mode = 'http' if addr.startswith('http://') else 'raw'
        host, sep, port = addr[7 if mode == 'http' else 0:].rstrip('/').rpartition(':')
        host = host or '127.0.0.1'
        if not sep or not port.isdigit() or int(port) > 65535:
            raise ValueError('expected a path, 127.0.0.1:PORT or http://127.0.0.1:PORT')
        if host not in _LOOPBACK:
            raise ValueError('stats are served on loopback only (127.0.0.1, ::1, localhost)')
        s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(('127.0.0.1' if host == 'localhost' else host.strip('[]'), int(port)))
        except OSError as e:
            s.close()
            raise _Busy('port %s is in use' % port) if e.errno == errno.EADDRINUSE else e
    s.listen(16)
    return s, mode


def _serve():
    while _st.sock is None:  # another process serves the address: take it over once that one is gone
        time.sleep(1.0)
        try:
            _bound(*_listen(_st.addr))
        except _Busy:
            continue
        except (OSError, ValueError) as e:
            return _st.server.log.error('tsgitop: no stats server on %r: %s', _st.addr, e)
        _st.server.log.info('tsgitop: stats served on %s', _st.addr)
    slots = threading.BoundedSemaphore(8)  # at most 8 clients at once, each dropped after 2 s
    while _st.sock is not None:
        try:
            conn, _ = _st.sock.accept()
        except (OSError, AttributeError):
            time.sleep(0.01)  # EMFILE and the like: back off, never spin
            continue
        if slots.acquire(blocking=False):
            _st.clients.add(conn)  # a worker forked while it is open closes its copy (_close_stats)
            threading.Thread(target=_client, args=(conn, slots), daemon=True).start()
        else:
            conn.close()


def _client(conn, slots):
    try:
        conn.settimeout(2.0)
        if _st.mode == 'http':
            _answer_http(conn)
        else:
            conn.sendall(_document().encode('utf-8'))
        conn.shutdown(socket.SHUT_WR)  # the answer ends even where a fork left a copy of the descriptor
    except Exception:
        pass
    finally:
        _st.clients.discard(conn)
        conn.close()
        slots.release()


def _answer_http(conn):
    head = b''
    while b'\r\n\r\n' not in head and b'\n\n' not in head:
        chunk = conn.recv(4096)
        if not chunk:
            return
        head += chunk
        if len(head) > 8192:
            return _reply(conn, '431 Request Header Fields Too Large', b'request header too large\n', True)
    lines = head.decode('latin-1').split('\n')
    method = lines[0].split(' ')[0]
    hosts = [v.strip().lower() for k, _, v in (ln.partition(':') for ln in lines[1:]) if k.strip().lower() == 'host']
    host = hosts[-1] if hosts else ''  # the last Host header counts
    name = host.rsplit(':', 1)[0] if host.count(':') == 1 or host.startswith('[') else host
    if host and name not in _LOOPBACK:
        return _reply(conn, '403 Forbidden', b'stats are served to loopback Host names only\n', True)
    _reply(conn, '200 OK', _document().encode('utf-8'), method != 'HEAD', 'application/json')


def _reply(conn, status, body, with_body, ctype='text/plain'):
    head = 'HTTP/1.0 %s\r\nConnection: close\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n' % (
        status, ctype, len(body))
    conn.sendall(head.encode('latin-1') + (body if with_body else b''))


def _listen_queues(server):
    """(sockets, total): each listener's queue and backlog: TCP_INFO unacked/sacked (as uWSGI) or sock_diag."""
    out = []
    for lst in list(getattr(server, 'LISTENERS', [])):
        try:
            name = lst.sock.getsockname()
            if isinstance(name, tuple):
                name = ('[%s]:%d' if ':' in name[0] else '%s:%d') % name[:2]
                q, maxq = struct.unpack_from('II', lst.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 32), 24)
            else:
                try:
                    q, maxq = _unix_queue(lst.sock)
                except (OSError, ValueError, struct.error):  # no sock_diag here: the backlog asked for
                    q, maxq = 0, server.cfg.backlog
        except (OSError, AttributeError, ValueError, struct.error):
            continue
        out.append({'name': name, 'proto': 'http', 'queue': q, 'max_queue': maxq, 'shared': 0, 'can_offload': 0})
    return out, sum(s['queue'] for s in out)


def _unix_queue(sock):
    """(waiting, backlog) of a listening unix socket: NETLINK_SOCK_DIAG by inode, UNIX_DIAG_RQLEN."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 4) as nl:
        nl.settimeout(1.0)
        req = struct.pack('=BBHIIIII', socket.AF_UNIX, 0, 0, 0xffffffff, os.fstat(sock.fileno()).st_ino,
                          0x10, 0xffffffff, 0xffffffff)  # all states, this inode, SHOW_RQLEN, no cookie
        nl.send(struct.pack('=IHHII', 16 + len(req), 20, 1, 1, 0) + req)  # SOCK_DIAG_BY_FAMILY, REQUEST
        data = nl.recv(8192)
    end, off = min(len(data), struct.unpack_from('=I', data)[0]), 32  # nlmsghdr + unix_diag_msg
    while struct.unpack_from('=H', data, 4)[0] == 20 and off + 12 <= end:
        alen, atype = struct.unpack_from('=HH', data, off)
        if atype == 4:  # UNIX_DIAG_RQLEN: rqueue, wqueue = waiting, backlog on a listening socket
            return struct.unpack_from('=II', data, off + 4)
        off += max(4, (alen + 3) & ~3)
    raise ValueError('no queue length for the unix socket')


def _memory(pid):
    try:
        with open('/proc/%d/statm' % pid) as fh:
            vsz, rss = fh.read().split()[:2]
        return int(rss) * _PAGE, int(vsz) * _PAGE
    except (OSError, ValueError):
        return 0, 0


def _core(j, c):
    inreq, vars_ = (1 if c.in_request else 0), []
    if inreq and _st.paths and c.method:
        vars_ = ['REQUEST_METHOD=' + c.method.decode('ascii', 'replace'),
                 'PATH_INFO=' + c.path.decode('utf-8', 'replace'), '']
    return {'id': j, 'requests': c.requests, 'static_requests': 0, 'routed_requests': 0, 'offloaded_requests': 0,
            'write_errors': c.write_errors, 'read_errors': 0, 'in_request': inreq, 'vars': vars_,
            'req_info': {'request_start': c.request_start} if inreq else {}}


def _document():
    server = _st.server
    sockets, lq = _listen_queues(server)
    live = sorted((w.tsgitop_slot, pid) for pid, w in list(server.WORKERS.items())
                  if getattr(w, 'tsgitop_slot', None) is not None)
    for k, sock in enumerate(sockets[:_LISTENERS]):  # gthread: those queued for a thread, by the accepting listener
        sock['queue'] += sum(_st.slots[i].waiting[k] for i, pid in live if _st.slots[i].pid == pid)
    lq = sum(sock['queue'] for sock in sockets)
    workers = []
    for i, pid in live:
        s, cores = _st.slots[i], [_core(j, c) for j, c in enumerate(_st.cores[i])]
        busy = any(c['in_request'] for c in cores)
        rss, vsz = _memory(pid)
        # accepting: 1 once the worker ran post_worker_init (its pid is in its slot)
        workers.append({
            'id': i + 1, 'pid': pid, 'accepting': 1 if s.pid == pid else 0, 'requests': s.requests, 'delta_requests': s.delta_requests,
            'exceptions': s.exceptions, 'harakiri_count': s.harakiri_count, 'signals': 0, 'signal_queue': 0,
            'status': 'busy' if busy else 'idle', 'rss': rss, 'vsz': vsz, 'running_time': s.running_time,
            'last_spawn': s.last_spawn, 'respawn_count': s.respawn_count, 'tx': s.tx, 'avg_rt': s.avg_rt,
            'apps': [{'id': 0, 'modifier1': 0, 'mountpoint': '', 'startup_time': 0, 'requests': s.requests,
                      'exceptions': s.exceptions, 'chdir': ''}],
            'cores': cores})
    doc = {'version': _VERSION, 'listen_queue': lq, 'listen_queue_errors': 0, 'signal_queue': 0, 'load': lq,
           'pid': os.getpid(), 'uid': os.getuid(), 'gid': os.getgid(), 'cwd': os.getcwd(), 'locks': [],
           'sockets': sockets, 'workers': workers}
    return json.dumps(doc, indent='\t', separators=(',', ':'))
