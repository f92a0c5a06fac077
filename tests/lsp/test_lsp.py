#!/usr/bin/env python3
"""The language server (`regel lsp`) driven by a scripted JSON-RPC client.

    tests/lsp/test_lsp.py build/regel

Each test starts from a copy of the shipped policies in a temporary folder,
speaks LSP to the server over pipes as an editor would, and checks what
comes back: diagnostics (compared with what `regel check --format json`
says of the same text), hover, definition, completion, symbols, formatting,
rename, positions in UTF-16, and the server's behaviour on bad input and
when the client goes away. Ends with `N passed, M failed`.
"""
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

REGEL = os.path.abspath(sys.argv[1])
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 20


def uri(path):
    from urllib.parse import quote
    return "file://" + quote(path)


class Server:
    """One `regel lsp` process and the messages it sent."""

    def __init__(self, read=True):
        self.proc = subprocess.Popen([REGEL, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.inbox = queue.Queue()
        self.next_id = 0
        self.notes = []  # notifications, in order
        if read:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            headers = b""
            while not headers.endswith(b"\r\n\r\n"):
                c = out.read(1)
                if not c:
                    self.inbox.put(None)
                    return
                headers += c
            length = None
            for line in headers.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = out.read(length)
            self.inbox.put(json.loads(body))

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message):
        body = json.dumps(message).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def take(self, timeout=TIMEOUT):
        """The next message; notifications are also kept in self.notes."""
        m = self.inbox.get(timeout=timeout)
        if m is None:
            raise AssertionError("the server closed its output")
        if "method" in m and "id" not in m:
            self.notes.append(m)
        return m

    def request(self, method, params=None):
        self.next_id += 1
        rid = self.next_id
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self.response(rid)

    def response(self, rid):
        deadline = time.time() + TIMEOUT
        while True:
            m = self.take(max(0.1, deadline - time.time()))
            if m.get("id") == rid and "method" not in m:
                return m

    def result(self, method, params=None):
        m = self.request(method, params)
        assert "error" not in m, m
        return m["result"]

    def diagnostics(self, doc_uri, after=0, until=lambda diagnostics: True):
        """The first diagnostics published for doc_uri after self.notes[after]
        (that until accepts)."""
        deadline = time.time() + TIMEOUT
        seen = after
        while True:
            for n in self.notes[seen:]:
                if n["method"] == "textDocument/publishDiagnostics" and n["params"]["uri"] == doc_uri and \
                        until(n["params"]["diagnostics"]):
                    return n["params"]["diagnostics"]
            seen = len(self.notes)
            self.take(max(0.1, deadline - time.time()))

    def mark(self):
        return len(self.notes)

    def initialize(self):
        r = self.result("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {}})
        self.notify("initialized", {})
        return r

    def open(self, path, text=None, version=1):
        if text is None:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        self.notify("textDocument/didOpen",
                    {"textDocument": {"uri": uri(path), "languageId": "regel", "version": version, "text": text}})
        return text

    def change(self, path, text, version):
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri(path), "version": version},
                                               "contentChanges": [{"text": text}]})

    def at(self, method, path, line, character, **extra):
        params = {"textDocument": {"uri": uri(path)}, "position": {"line": line, "character": character}}
        params.update(extra)
        return self.result(method, params)

    def stop(self):
        assert self.result("shutdown") is None
        self.notify("exit", None)
        code = self.proc.wait(timeout=TIMEOUT)
        err = self.proc.stderr.read().decode(errors="replace")
        assert code == 0, "exit status %d\n%s" % (code, err)
        assert err == "", err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def find(text, needle, nth=0):
    """(line, character) of the nth occurrence of needle, in UTF-16 units."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    before = text[:at]
    line = before.count("\n")
    col = before[before.rfind("\n") + 1:]
    return line, len(col.encode("utf-16-le")) // 2


def check_json(path):
    """What `regel check --format json` says of a file."""
    p = subprocess.run([REGEL, "check", "--format", "json", path], capture_output=True, text=True)
    return [json.loads(line) for line in p.stdout.splitlines()]


def utf16_col(text, line, column):
    """A 1-based code point column of a line as a 0-based UTF-16 character."""
    s = text.split("\n")[line - 1][:column - 1]
    return len(s.encode("utf-16-le")) // 2


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Workspace:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="regel-lsp-")
        self.policies = os.path.join(self.dir, "policies")
        os.mkdir(self.policies)
        for name in os.listdir(os.path.join(ROOT, "policies")):
            if name.endswith(".regel"):
                shutil.copy(os.path.join(ROOT, "policies", name), self.policies)

    def path(self, *parts):
        return os.path.join(self.policies, *parts)

    def write(self, name, text):
        p = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        return p

    def close(self):
        shutil.rmtree(self.dir)


@test
def diagnostics_match_regel_check(ws, s):
    path = ws.path("ytterligare_st.regel")
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("must B1 vc.listade", "must B1 vc.listad")
    mark = s.mark()
    s.open(path, text)
    got = s.diagnostics(uri(path), mark)
    # The same text on disk, checked by the command line.
    other = ws.write("copy/ytterligare_st.regel", text)
    for name in os.listdir(ws.policies):
        if name != "ytterligare_st.regel":
            shutil.copy(ws.path(name), os.path.dirname(other))
    want = [d for d in check_json(other) if d["file"] == other]
    assert len(got) == len(want) == 1, (got, want)
    g, w = got[0], want[0]
    assert g["message"] == w["message"] + "\nhint: " + w["hint"], g
    assert "did you mean 'listade'?" in g["message"]
    r = g["range"]
    assert r["start"] == {"line": w["line"] - 1, "character": utf16_col(text, w["line"], w["column"])}, r
    assert r["end"] == {"line": w["end_line"] - 1, "character": utf16_col(text, w["end_line"], w["end_column"])}, r
    assert g["severity"] == 1
    # Fixed again: the diagnostics go away.
    mark = s.mark()
    s.change(path, text.replace("vc.listad ", "vc.listade "), 2)
    assert s.diagnostics(uri(path), mark) == []


@test
def related_information_points_at_declarations(ws, s):
    path = ws.path("ytterligare_st.regel")
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("vc.listade >= LISTADE_PER_ST_LAKARE * st_lakare", 'vc.listade >= "4500"', 1)
    mark = s.mark()
    s.open(path, text)
    got = s.diagnostics(uri(path), mark)
    related = [r for d in got for r in d.get("relatedInformation", [])]
    assert any(r["location"]["uri"] == uri(ws.path("exporter.regel")) and "listade" in r["message"] for r in related), got


@test
def hover_field_shows_type_and_column(ws, s):
    path = ws.path("ytterligare_st.regel")
    text = s.open(path)
    line, col = find(text, "vc.listade >=")
    h = s.at("textDocument/hover", path, line, col + 5)
    value = h["contents"]["value"]
    assert "listade: Int" in value and 'column "Listade invånare"' in value, value
    assert h["range"] == {"start": {"line": line, "character": col + 3},
                          "end": {"line": line, "character": col + 10}}, h["range"]


@test
def hover_expression_rule_builtin_and_names(ws, s):
    path = ws.path("ytterligare_st.regel")
    text = s.open(path)
    line, col = find(text, ">= LISTADE_PER_ST_LAKARE")
    v = s.at("textDocument/hover", path, line, col)["contents"]["value"]
    assert ": Bool" in v and "vc.listade >= LISTADE_PER_ST_LAKARE * st_lakare" in v, v
    line, col = find(text, "B1 vc")
    v = s.at("textDocument/hover", path, line, col)["contents"]["value"]
    assert "must B1 vc.listade >= LISTADE_PER_ST_LAKARE * st_lakare" in v and "else" in v and "listade räcker" in v, v
    line, col = find(text, "count(s)")
    v = s.at("textDocument/hover", path, line, col + 1)["contents"]["value"]
    assert "count(xs) is the number of elements" in v, v
    line, col = find(text, "floor(")
    v = s.at("textDocument/hover", path, line, col)["contents"]["value"]
    assert "floor(Num) -> Int" in v and "largest integer" in v, v
    line, col = find(text, "LISTADE_PER_ST_LAKARE *")
    v = s.at("textDocument/hover", path, line, col)["contents"]["value"]
    assert "const LISTADE_PER_ST_LAKARE: Int = 1500" in v and "listed residents" in v, v
    line, col = find(text, "st_lakare = ")
    v = s.at("textDocument/hover", path, line, col)["contents"]["value"]
    assert "let st_lakare: Int" in v, v
    line, col = find(text, "utbildningsvardcentral(vc)")
    v = s.at("textDocument/hover", path, line, col)["contents"]["value"]
    assert "decision utbildningsvardcentral for vc in vardcentraler" in v and "outcome: `ja` | `nej`" in v, v
    # A stdlib function: its comment is its documentation.
    p2 = ws.write("policies/datum.regel", "import dates\n\nfn f(d: Date) -> Date = first_of_month(d)\n")
    t2 = s.open(p2)
    line, col = find(t2, "first_of_month")
    v = s.at("textDocument/hover", p2, line, col)["contents"]["value"]
    assert "fn first_of_month(d: Date) -> Date" in v and "The first day of the date's month." in v, v
    # Nothing at all between words.
    assert s.at("textDocument/hover", path, 1, 0) is None


@test
def definition_of_decision_field_import_and_local(ws, s):
    path = ws.path("ytterligare_st.regel")
    text = s.open(path)
    line, col = find(text, "utbildningsvardcentral(vc)")
    loc = s.at("textDocument/definition", path, line, col + 3)
    target = ws.path("utbildningsvardcentral.regel")
    with open(target, encoding="utf-8") as f:
        ttext = f.read()
    tl, tc = find(ttext, "utbildningsvardcentral for")
    assert loc["uri"] == uri(target), loc
    assert loc["range"]["start"] == {"line": tl, "character": tc}, loc
    line, col = find(text, "vc.listade")
    loc = s.at("textDocument/definition", path, line, col + 4)
    with open(ws.path("exporter.regel"), encoding="utf-8") as f:
        etext = f.read()
    el, ec = find(etext, "listade: Int")
    assert loc == {"uri": uri(ws.path("exporter.regel")),
                   "range": {"start": {"line": el, "character": ec}, "end": {"line": el, "character": ec + 7}}}, loc
    line, col = find(text, "import exporter")
    loc = s.at("textDocument/definition", path, line, col + 9)
    assert loc["uri"] == uri(ws.path("exporter.regel")) and loc["range"]["start"] == {"line": 0, "character": 0}, loc
    line, col = find(text, "st_lakare", 2)
    loc = s.at("textDocument/definition", path, line, col)
    dl, dc = find(text, "st_lakare = ")
    assert loc["uri"] == uri(path) and loc["range"]["start"] == {"line": dl, "character": dc}, loc


@test
def completion_fields_names_words_decisions_keywords(ws, s):
    path = ws.path("ytterligare_st.regel")
    labels = lambda r: {i["label"] for i in r["items"]}
    # Typed at once after opening: no check of the file has parsed yet.
    base = s.open(path, open(path, encoding="utf-8").read().replace("    should B3", "    let n = vc.\n    should B3"))
    line, col = find(base, "vc.\n")
    assert "listade" in labels(s.at("textDocument/completion", path, line, col + 3))
    base = s.open(path)
    # After `vc.` in a rule that does not parse yet.
    text = base.replace("    should B3", "    must B4 vc.\n    should B3")
    s.change(path, text, 2)
    line, col = find(text, "vc.\n")
    r = s.at("textDocument/completion", path, line, col + 3)
    assert {"listade", "st_antal", "hsa_id"} <= labels(r), labels(r)
    item = next(i for i in r["items"] if i["label"] == "listade")
    assert item["kind"] == 5 and item["detail"] == "Int"
    # After `vc.` where the text parses with a name there.
    text = base.replace("let s = specialister(vc)", "let s = specialister(vc)\n    let n = vc.")
    s.change(path, text, 3)
    line, col = find(text, "vc.\n")
    assert "listade" in labels(s.at("textDocument/completion", path, line, col + 3))
    # A field of the element: `.` inside any(...).
    text = base.replace("any(s, .handledare)", "any(s, .hand)")
    s.change(path, text, 4)
    line, col = find(text, ".hand)")
    r = s.at("textDocument/completion", path, line, col + 5)
    assert "handledare" in labels(r), labels(r)
    # Names in scope at the start of an expression, with the builtins.
    text = base.replace("should B3 count(s) >= st_lakare", "should B3 st_ >= st_lakare")
    s.change(path, text, 5)
    line, col = find(text, "st_ >=")
    got = labels(s.at("textDocument/completion", path, line, col + 3))
    assert {"st_lakare", "s", "vc", "LISTADE_PER_ST_LAKARE", "specialister", "count", "floor", "today"} <= got, got
    # Enum words where the other side of == is an enum: with nothing
    # written yet (the text does not parse), with a word begun, and before
    # the word that is there.
    p2 = ws.path("st_plan.regel")
    t2 = s.open(p2)
    words = lambda r: [i["label"] for i in r["items"] if i["kind"] == 20]
    for edited, cursor in [(t2.replace("arbete == klart", "arbete == ", 1), "arbete == "),
                           (t2.replace("arbete == klart", "arbete == kl", 1), "arbete == kl"),
                           (t2, "arbete == ")]:
        s.change(p2, edited, 2)
        line, col = find(edited, cursor)
        r = s.at("textDocument/completion", p2, line, col + len(cursor))
        assert words(r)[:3] == ["ej_paborjat", "pagaende", "klart"], r["items"][:5]
    # Decision names after `include`.
    text = base.replace("include utbildningsvardcentral(vc)", "include utb")
    s.change(path, text, 6)
    line, col = find(text, "include utb")
    got = labels(s.at("textDocument/completion", path, line, col + 11))
    assert "utbildningsvardcentral" in got and "count" not in got and "vc" not in got, got
    # Statement keywords at the start of a line in a decision.
    text = base.replace("    should B3", "    mu\n    should B3")
    s.change(path, text, 7)
    line, col = find(text, "mu\n")
    got = labels(s.at("textDocument/completion", path, line, col + 2))
    assert {"must", "should", "guard", "let", "include"} <= got, got
    # Declaration keywords between declarations.
    text = base + "\nde"
    s.change(path, text, 8)
    got = labels(s.at("textDocument/completion", path, text.count("\n"), 2))
    assert {"decision", "record", "import"} <= got, got


@test
def document_symbols(ws, s):
    path = ws.path("ytterligare_st.regel")
    s.open(path)
    syms = s.result("textDocument/documentSymbol", {"textDocument": {"uri": uri(path)}})
    names = [x["name"] for x in syms]
    assert names == ["allmanmedicin", "exporter", "utbildningsvardcentral", "vardcentral", "ytterligare_st"], names
    d = syms[-1]
    assert d["kind"] == 5 and [c["name"] for c in d["children"]] == ["s", "st_lakare", "must B1", "must B2",
                                                                      "should B3"], d["children"]


@test
def formatting_is_regel_fmt(ws, s):
    path = ws.path("ytterligare_st.regel")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    messy = text.replace("    let s = specialister(vc)", "let   s=specialister( vc )")
    s.open(path, messy)
    edits = s.result("textDocument/formatting", {"textDocument": {"uri": uri(path)},
                                                 "options": {"tabSize": 4, "insertSpaces": True}})
    fmt = subprocess.run([REGEL, "fmt", "-"], input=messy, capture_output=True, text=True).stdout
    assert len(edits) == 1 and edits[0]["newText"] == fmt == text, edits
    lines = messy.split("\n")
    assert edits[0]["range"] == {"start": {"line": 0, "character": 0},
                                 "end": {"line": len(lines) - 1, "character": len(lines[-1])}}
    s.change(path, text, 2)
    assert s.result("textDocument/formatting", {"textDocument": {"uri": uri(path)}, "options": {}}) == []
    s.change(path, text + "\ndecision (", 3)
    m = s.request("textDocument/formatting", {"textDocument": {"uri": uri(path)}, "options": {}})
    assert m["error"]["code"] == -32803 and "cannot lay" in m["error"]["message"], m


@test
def rename_a_let(ws, s):
    path = ws.path("ytterligare_st.regel")
    text = s.open(path)
    line, col = find(text, "st_lakare", 1)
    prep = s.at("textDocument/prepareRename", path, line, col)
    assert prep["placeholder"] == "st_lakare", prep
    edit = s.at("textDocument/rename", path, line, col, newName="läkare")
    edits = edit["changes"][uri(path)]
    assert len(edits) == text.count("st_lakare") and all(e["newText"] == "läkare" for e in edits), edits
    # Apply and check that the result still checks clean.
    lines = text.split("\n")
    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                    reverse=True):
        r = e["range"]
        ln = lines[r["start"]["line"]]
        lines[r["start"]["line"]] = ln[:r["start"]["character"]] + e["newText"] + ln[r["end"]["character"]:]
    mark = s.mark()
    s.change(path, "\n".join(lines), 2)
    assert s.diagnostics(uri(path), mark) == []
    # A name the decision already uses, a keyword, and a top-level name are refused.
    text = "\n".join(lines)
    line, col = find(text, "läkare = ")
    m = s.request("textDocument/rename", {"textDocument": {"uri": uri(path)},
                                          "position": {"line": line, "character": col}, "newName": "s"})
    assert "error" in m and "already" in m["error"]["message"], m
    m = s.request("textDocument/rename", {"textDocument": {"uri": uri(path)},
                                          "position": {"line": line, "character": col}, "newName": "where"})
    assert m["error"]["code"] == -32602, m
    line, col = find(text, "LISTADE_PER_ST_LAKARE *")
    m = s.request("textDocument/prepareRename", {"textDocument": {"uri": uri(path)},
                                                 "position": {"line": line, "character": col}})
    assert "error" in m, m


@test
def errors_in_imported_files(ws, s):
    a = ws.write("imp/a.regel", "import b\n\nconst A = B + 1\n")
    b = ws.write("imp/b.regel", "const B: Int = \"two\"\n")
    mark = s.mark()
    s.open(a)
    assert s.diagnostics(uri(a), mark) == []
    got = s.diagnostics(uri(b), mark)
    want = [d for d in check_json(a) if d["file"] == b]
    assert len(got) == len(want) == 1 and got[0]["message"].startswith(want[0]["message"]), (got, want)
    assert got[0]["range"]["start"] == {"line": want[0]["line"] - 1, "character": want[0]["column"] - 1}
    # b opened in the editor and fixed there, not on disk: a is checked
    # against the editor's b, and b's diagnostics are its own.
    mark = s.mark()
    s.open(b, "const B = 2\nconst C = B + A\n")
    assert "unknown name 'A'" in s.diagnostics(uri(b), mark)[0]["message"]
    mark = s.mark()
    s.change(b, "const B = 2\n", 2)
    assert s.diagnostics(uri(b), mark) == []
    mark = s.mark()
    s.change(b, "const X = 2\n", 3)
    d = s.diagnostics(uri(a), mark)
    assert len(d) == 1 and "unknown name 'B'" in d[0]["message"], d
    # Closed again: b is read from disk, and its error is published
    # through a, which imports it.
    mark = s.mark()
    s.notify("textDocument/didClose", {"textDocument": {"uri": uri(b)}})
    got = s.diagnostics(uri(b), mark, until=lambda d: d != [])
    assert len(got) == 1 and got[0]["message"].startswith(want[0]["message"]), got


@test
def utf16_positions(ws, s):
    text = ("# åäö and 😀 before\n"
            "const T = \"😀😀 {oklart}\"\n"
            "const Ö = \"ä\" + \"😀\" + okänd\n")
    path = ws.write("policies/tecken.regel", text)
    mark = s.mark()
    s.open(path, text)
    got = sorted(s.diagnostics(uri(path), mark), key=lambda d: d["range"]["start"]["line"])
    want = sorted(check_json(path), key=lambda d: d["line"])
    assert len(got) == len(want) == 2, (got, want)
    for g, w in zip(got, want):
        assert g["range"]["start"] == {"line": w["line"] - 1, "character": utf16_col(text, w["line"], w["column"])}
        assert g["range"]["end"] == {"line": w["end_line"] - 1,
                                     "character": utf16_col(text, w["end_line"], w["end_column"])}
    line, col = find(text, "okänd")
    assert got[1]["range"]["start"] == {"line": line, "character": col}
    assert col == 23, col  # 😀 is two UTF-16 units
    # A change given as a range in UTF-16 units, after the emoji.
    mark = s.mark()
    s.notify("textDocument/didChange", {
        "textDocument": {"uri": uri(path), "version": 2},
        "contentChanges": [{"range": {"start": {"line": line, "character": col},
                                      "end": {"line": line, "character": col + 5}}, "text": "\"x\""}]})
    d = s.diagnostics(uri(path), mark)
    assert len(d) == 1 and d[0]["range"]["start"]["line"] == 1, d
    line, col = find(text, "Ö")
    v = s.at("textDocument/hover", path, line, col)["contents"]["value"]
    assert "const Ö: Text" in v, v


@test
def fast_recheck_on_change(ws, s):
    path = ws.path("st_ko.regel")
    text = s.open(path)
    s.diagnostics(uri(path), 0)
    times = []
    for v in range(2, 22):
        body = text.replace("vc.listade", "vc.listad", 1) if v % 2 else text
        mark = s.mark()
        t0 = time.perf_counter()
        s.change(path, body, v)
        s.diagnostics(uri(path), mark)
        times.append(time.perf_counter() - t0)
    times.sort()
    median = times[len(times) // 2]
    print("    re-check of st_ko.regel after a change: median %.1f ms, slowest %.1f ms" %
          (median * 1000, times[-1] * 1000))
    assert median < 0.5, times


def lifecycle(fn):
    """A test that runs its own server from the start."""
    fn.own_server = True
    return test(fn)


def expect_error(s, code):
    m = s.take()
    while "method" in m:
        m = s.take()
    assert m.get("error", {}).get("code") == code, m
    return m


@lifecycle
def bad_input_gets_errors_not_a_crash(ws, s):
    s.send({"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {}})
    expect_error(s, -32002)  # not initialized
    s.initialize()
    s.send_raw(b"Content-Length: 9\r\n\r\n{\"id\": 1,")
    assert expect_error(s, -32700)["id"] is None
    s.send_raw(b"Content-Length: 2\r\n\r\n[]")
    expect_error(s, -32600)
    s.send({"jsonrpc": "2.0", "id": 7, "method": "no/such/method"})
    assert expect_error(s, -32601)["id"] == 7
    s.send({"jsonrpc": "2.0", "method": "no/such/notification"})
    s.send({"jsonrpc": "2.0", "id": "x", "method": "textDocument/hover", "params": {"textDocument": {}}})
    m = expect_error(s, -32602)
    assert m["id"] == "x", m  # the notification above got no answer
    s.send({"jsonrpc": "2.0", "id": {"a": 1}, "method": "shutdown"})
    expect_error(s, -32600)
    s.send_raw(b"X-Nothing: 1\r\n\r\n")
    expect_error(s, -32700)
    s.send_raw(b"Content-Length: " + b"9" * 2000 + b"\r\n\r\n")
    expect_error(s, -32700)
    s.send_raw(b"Content-Length: abc\r\n\r\n")
    expect_error(s, -32700)
    deep = b"[" * 100000 + b"]" * 100000
    s.send_raw(b"Content-Length: %d\r\n\r\n" % len(deep) + deep)
    expect_error(s, -32700)
    s.send_raw(b"Content-Length: 5\r\n\r\n\xff\xfe{}x")
    expect_error(s, -32700)
    # Still serving.
    m = s.request("textDocument/documentSymbol", {"textDocument": {"uri": "file:///nowhere.regel"}})
    assert m["error"]["code"] == -32602, m
    s.stop()


@lifecycle
def too_large_a_message_is_read_past(ws, s):
    s.initialize()
    s.send_raw(b"Content-Length: 200000000\r\n\r\n")
    expect_error(s, -32600)
    s.proc.stdin.close()
    assert s.proc.wait(timeout=TIMEOUT) == 1


@lifecycle
def client_disconnects(ws, s):
    s.initialize()
    s.open(ws.path("ytterligare_st.regel"))
    s.proc.stdin.close()
    code = s.proc.wait(timeout=TIMEOUT)
    err = s.proc.stderr.read().decode(errors="replace")
    assert code == 1 and err == "", (code, err)


@lifecycle
def client_stops_reading(ws, _):
    s = Server(read=False)
    s.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})
    s.proc.stdout.close()
    try:
        for i in range(50):
            try:
                s.open(ws.path("ytterligare_st.regel"), version=i)
                s.send({"jsonrpc": "2.0", "id": 100 + i, "method": "shutdown"})
            except BrokenPipeError:
                break
        code = s.proc.wait(timeout=TIMEOUT)
        err = s.proc.stderr.read().decode(errors="replace")
        assert code == 1 and err == "", (code, err)  # not killed by SIGPIPE
    finally:
        s.kill()


@lifecycle
def exit_without_shutdown(ws, s):
    s.initialize()
    s.notify("exit", None)
    assert s.proc.wait(timeout=TIMEOUT) == 1


@lifecycle
def shutdown_then_exit(ws, s):
    caps = s.initialize()["capabilities"]
    assert caps["positionEncoding"] == "utf-16" and caps["hoverProvider"] and caps["definitionProvider"]
    assert caps["completionProvider"]["triggerCharacters"] == ["."]
    assert s.result("shutdown") is None
    m = s.request("textDocument/hover", {})
    assert m["error"]["code"] == -32600, m
    s.notify("exit", None)
    assert s.proc.wait(timeout=TIMEOUT) == 0


def main():
    passed = failed = 0
    shared = None
    t0 = time.perf_counter()
    for fn in TESTS:
        ws = Workspace()
        own = getattr(fn, "own_server", False)
        if own:
            s = Server()
        else:
            if shared is None:
                shared = Server()
                shared.initialize()
            s = shared
        try:
            fn(ws, s)
            passed += 1
            print("  ok    %s" % fn.__name__)
        except Exception:
            failed += 1
            print("  FAIL  %s" % fn.__name__)
            traceback.print_exc()
            if not own:
                shared.kill()
                shared = None
        finally:
            if own:
                s.kill()
            ws.close()
    if shared is not None:
        try:
            shared.stop()
        except Exception:
            failed += 1
            print("  FAIL  shutdown of the shared server")
            traceback.print_exc()
    print("lsp: %.1f s" % (time.perf_counter() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
