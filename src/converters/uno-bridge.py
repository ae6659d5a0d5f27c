# The UNO bridge: one persistent python3-uno process per warm soffice listener, serving JSON-line conversion requests on a unix socket.
#
# Usage: python3 uno-bridge.py <uno-pipe-name> <unix-socket-path>
# Request:  {"id": 1, "input": "/abs/in.docx", "output": "/abs/out.pdf", "importFilter": "MS Word 2007 XML",
#            "filterOptions": "", "exportFilter": "writer_pdf_Export"}
# Response: {"id": 1, "ok": true} or {"id": 1, "ok": false, "error": "load_failed|export_failed|bad_request", "detail": "..."}
# When the listener is gone the bridge exits (code 3) so the pool restarts the pair; it never restarts soffice itself.
import json
import os
import socket
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.lang import DisposedException
from com.sun.star.uno import RuntimeException

CONNECT_TIMEOUT_S = 60


def props(**values):
    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name = name
        prop.Value = value
        out.append(prop)
    return tuple(out)


def connect(pipe_name):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext('com.sun.star.bridge.UnoUrlResolver', local)
    url = 'uno:pipe,name=%s;urp;StarOffice.ComponentContext' % pipe_name
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while True:
        try:
            ctx = resolver.resolve(url)
            return ctx.ServiceManager.createInstanceWithContext('com.sun.star.frame.Desktop', ctx)
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def load(desktop, request):
    # Macros never run, links and remote content are never refreshed, nothing is written back, no dialog can block.
    load_props = dict(Hidden=True, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0, Silent=True)
    if request.get('importFilter'):
        load_props['FilterName'] = request['importFilter']
    if request.get('filterOptions'):
        load_props['FilterOptions'] = request['filterOptions']
    url = uno.systemPathToFileUrl(request['input'])
    return desktop.loadComponentFromURL(url, '_blank', 0, props(**load_props))


def convert(desktop, request):
    try:
        doc = load(desktop, request)
    except (DisposedException, RuntimeException) as err:
        if is_dead(err):
            raise
        return {'ok': False, 'error': 'load_failed', 'detail': str(err)[:500]}
    except Exception as err:  # IllegalArgumentException, IOException: the file is not what its filter reads
        return {'ok': False, 'error': 'load_failed', 'detail': str(err)[:500]}
    if doc is None:
        return {'ok': False, 'error': 'load_failed', 'detail': 'no document'}
    try:
        doc.storeToURL(uno.systemPathToFileUrl(request['output']), props(FilterName=request['exportFilter']))
        return {'ok': True}
    except DisposedException:
        raise
    except Exception as err:
        return {'ok': False, 'error': 'export_failed', 'detail': str(err)[:500]}
    finally:
        close(doc)


def close(doc):
    try:
        doc.close(True)
    except Exception:
        try:
            doc.dispose()
        except Exception:
            pass


def is_dead(err):
    # A RuntimeException from a broken bridge ("Binary URP bridge disposed") means soffice is gone.
    return isinstance(err, DisposedException) or 'disposed' in str(err).lower()


def serve(desktop, sock_path):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(sock_path)
    os.chmod(sock_path, 0o600)
    server.listen(1)
    while True:
        conn, _ = server.accept()
        with conn, conn.makefile('rwb') as stream:
            for line in stream:
                request = json.loads(line)
                try:
                    reply = convert(desktop, request)
                except (DisposedException, RuntimeException) as err:
                    reply = {'ok': False, 'error': 'listener_died', 'detail': str(err)[:500]}
                    stream.write((json.dumps(dict(reply, id=request.get('id'))) + '\n').encode())
                    stream.flush()
                    sys.exit(3)
                stream.write((json.dumps(dict(reply, id=request.get('id'))) + '\n').encode())
                stream.flush()


def main():
    pipe_name, sock_path = sys.argv[1], sys.argv[2]
    desktop = connect(pipe_name)
    serve(desktop, sock_path)


if __name__ == '__main__':
    main()
