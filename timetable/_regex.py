"""A bounded regular-expression matcher for task-id patterns.

Theory of operation
-------------------
Python's `re` backtracks: ``(a+)+$`` or ``a*a*a*c`` against a long run of ``a``
takes time exponential (or a high power) in the length of the task id.  A clear request
comes from a user, so its pattern is matched here instead, by simulating the pattern's
automaton over all positions at once (Thompson's construction, Pike's simulation): the
cost is at most ``len(task_id) * len(program)`` steps, whatever the pattern.

Supported: literals and escaped punctuation, ``.``, classes ``[a-z_]`` / ``[^…]``,
``\\d \\w \\s`` and their negations (Unicode, like `re`), ``^ $ \\A \\Z \\b \\B``,
groups ``(…)``, ``(?:…)``, ``(?P<name>…)``, alternation ``|``, and the quantifiers
``* + ? {m} {m,} {m,n}`` (greedy or lazy: only *whether* an id matches is asked, so
both mean the same).  Refused with a clear error: backreferences, lookaround, inline
flags, conditionals, possessive quantifiers and atomic groups, a pattern over
`MAX_PATTERN` characters, and a program over `MAX_PROGRAM` instructions
(``{m,n}`` counts are expanded).  A match is searched anywhere in the id, like
`re.search`, and answers exactly as `re.search` does for supported patterns.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["MAX_PATTERN", "MAX_PROGRAM", "UnsupportedPattern", "compile_pattern"]

#: The longest pattern accepted, in characters.
MAX_PATTERN = 1_000
#: The largest compiled program accepted, in instructions (bounds the cost per character).
MAX_PROGRAM = 5_000

_Pred = Callable[[str], bool]


class UnsupportedPattern(ValueError):
    """The pattern uses a feature the bounded matcher does not support (message says which)."""


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


_CLASSES: dict[str, _Pred] = {
    "d": str.isdecimal,
    "D": lambda c: not c.isdecimal(),
    "w": _is_word,
    "W": lambda c: not _is_word(c),
    "s": str.isspace,
    "S": lambda c: not c.isspace(),
}
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a", "0": "\0"}
_ASSERTS = {"A": "begin", "Z": "end", "b": "boundary", "B": "not-boundary"}

# Program instructions: ("char", pred) | ("split", a, b) | ("jmp", a) | ("assert", kind)
# | ("match",).  Node trees: ("pred", pred) | ("assert", kind) | ("seq", [nodes])
# | ("alt", [nodes]) | ("repeat", node, lo, hi | None) | ("empty",)


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def fail(self, what: str, at: int | None = None) -> UnsupportedPattern:
        where = self.i if at is None else at
        return UnsupportedPattern(f"{what} (at position {where}) is not supported")

    def peek(self) -> str | None:
        return self.p[self.i] if self.i < len(self.p) else None

    def take(self) -> str:
        c = self.p[self.i]
        self.i += 1
        return c

    def parse(self) -> tuple[object, ...]:
        node = self.alt()
        if self.i != len(self.p):  # pragma: no cover - re.compile refused unbalanced ")"
            raise self.fail("an unbalanced ')'")
        return node

    def alt(self) -> tuple[object, ...]:
        branches = [self.seq()]
        while self.peek() == "|":
            self.take()
            branches.append(self.seq())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def seq(self) -> tuple[object, ...]:
        items: list[tuple[object, ...]] = []
        while self.peek() not in (None, "|", ")"):
            atom = self.atom()
            items.append(self.quantified(atom))
        return ("seq", items)

    def quantified(self, atom: tuple[object, ...]) -> tuple[object, ...]:
        c = self.peek()
        if c in ("*", "+", "?"):
            self.take()
            lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
        elif c == "{" and self._counted():
            lo, hi = self._counted_bounds()
        else:
            return atom
        if self.peek() == "?":
            self.take()  # lazy: the same set of matching ids
        elif self.peek() == "+":
            raise self.fail("a possessive quantifier")
        if atom[0] == "assert":
            raise self.fail("a quantified assertion")
        return ("repeat", atom, lo, hi)

    def _counted(self) -> bool:
        j = self.p.find("}", self.i)
        if j < 0:
            return False
        body = self.p[self.i + 1 : j]
        lo, comma, hi = body.partition(",")
        if not lo and not comma:
            return False  # "{}" is two literal characters

        def digits(s: str) -> bool:
            return s == "" or (s.isascii() and s.isdigit())

        return digits(lo) and digits(hi)

    def _counted_bounds(self) -> tuple[int, int | None]:
        j = self.p.index("}", self.i)
        body = self.p[self.i + 1 : j]
        self.i = j + 1
        lo_s, comma, hi_s = body.partition(",")
        lo = int(lo_s) if lo_s else 0
        hi = lo if not comma else (int(hi_s) if hi_s else None)
        if lo > MAX_PROGRAM or (hi is not None and hi > MAX_PROGRAM):
            raise UnsupportedPattern(f"a repetition count over {MAX_PROGRAM} is not supported")
        return lo, hi

    def atom(self) -> tuple[object, ...]:
        c = self.take()
        if c == "(":
            if self.peek() == "?":
                self.take()
                kind = self.peek()
                if kind == ":":
                    self.take()
                elif kind == "P" and self.p.startswith("<", self.i + 1):
                    self.i = self.p.index(">", self.i) + 1
                else:
                    raise self.fail("a '(?' group other than (?:…) or (?P<name>…)")
            node = self.alt()
            if self.peek() != ")":  # pragma: no cover - re.compile refused it first
                raise self.fail("an unclosed group")
            self.take()
            return node
        if c == "[":
            return ("pred", self.char_class())
        if c == ".":
            return ("pred", lambda ch: ch != "\n")
        if c == "^":
            return ("assert", "begin")
        if c == "$":
            return ("assert", "end-or-newline")
        if c == "\\":
            return self.escape(in_class=False)
        return ("pred", _literal(c))

    def escape(self, *, in_class: bool) -> tuple[object, ...]:
        at = self.i - 1  # the backslash
        c = self.take()
        if c in _CLASSES:
            return ("pred", _CLASSES[c])
        if not in_class and c in _ASSERTS:
            return ("assert", _ASSERTS[c])
        if c in _CONTROL:
            nxt = self.peek()
            if c == "0" and nxt is not None and nxt in "01234567":
                raise self.fail("an octal escape", at)
            return ("pred", _literal(_CONTROL[c]))
        if c in ("x", "u", "U"):
            width = {"x": 2, "u": 4, "U": 8}[c]
            digits = self.p[self.i : self.i + width]
            self.i += width
            return ("pred", _literal(chr(int(digits, 16))))
        if c.isalnum():
            raise self.fail(f"the escape \\{c}", at)
        return ("pred", _literal(c))

    def char_class(self) -> _Pred:
        negate = self.peek() == "^"
        if negate:
            self.take()
        preds: list[_Pred] = []
        first = True
        while True:
            c = self.take()
            if c == "]" and not first:
                break
            first = False
            if c == "[" and self.peek() in (":", ".", "="):
                raise self.fail("a POSIX class")
            if c == "\\":
                node = self.escape(in_class=True)
                pred = node[1]
                lo_char = _single(pred)
            else:
                lo_char = c
                pred = _literal(c)
            if lo_char is not None and self.peek() == "-" and self.p[self.i + 1 : self.i + 2] not in ("]", ""):
                self.take()
                hi = self.take()
                if hi == "\\":
                    hi_char = _single(self.escape(in_class=True)[1])
                    if hi_char is None:  # pragma: no cover - re.compile refused it
                        raise self.fail("a class as a range end")
                else:
                    hi_char = hi
                lo_o, hi_o = ord(lo_char), ord(hi_char)
                preds.append(_Range(lo_o, hi_o))
            else:
                preds.append(pred)  # type: ignore[arg-type]
        if negate:
            return lambda ch: not any(p(ch) for p in preds)
        return lambda ch: any(p(ch) for p in preds)


class _Literal:
    """One character (a class so a range can read its end points)."""

    __slots__ = ("char",)

    def __init__(self, char: str) -> None:
        self.char = char

    def __call__(self, ch: str) -> bool:
        return ch == self.char


class _Range:
    """A character range of a class, ``a-z``."""

    __slots__ = ("hi", "lo")

    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi

    def __call__(self, ch: str) -> bool:
        return self.lo <= ord(ch) <= self.hi


def _literal(c: str) -> _Pred:
    return _Literal(c)


def _single(pred: object) -> str | None:
    return pred.char if isinstance(pred, _Literal) else None


class _Program:
    def __init__(self) -> None:
        self.code: list[tuple[object, ...]] = []

    def emit(self, *ins: object) -> int:
        if len(self.code) >= MAX_PROGRAM:
            raise UnsupportedPattern(
                f"the pattern expands to more than {MAX_PROGRAM} instructions"
            )
        self.code.append(ins)
        return len(self.code) - 1

    def patch(self, at: int, *ins: object) -> None:
        self.code[at] = ins

    def compile(self, node: tuple[object, ...]) -> None:
        kind = node[0]
        if kind == "pred":
            self.emit("char", node[1])
        elif kind == "assert":
            self.emit("assert", node[1])
        elif kind == "seq":
            for item in node[1]:  # type: ignore[attr-defined]
                self.compile(item)
        elif kind == "alt":
            branches: list[tuple[object, ...]] = node[1]  # type: ignore[assignment]
            jumps = []
            for b in branches[:-1]:
                split = self.emit("split", 0, 0)
                self.compile(b)
                jumps.append(self.emit("jmp", 0))
                self.patch(split, "split", split + 1, len(self.code))
            self.compile(branches[-1])
            for j in jumps:
                self.patch(j, "jmp", len(self.code))
        else:  # repeat
            _, sub, lo, hi = node
            for _ in range(lo):  # type: ignore[call-overload]
                self.compile(sub)  # type: ignore[arg-type]
            if hi is None:
                split = self.emit("split", 0, 0)
                self.compile(sub)  # type: ignore[arg-type]
                self.emit("jmp", split)
                self.patch(split, "split", split + 1, len(self.code))
            else:
                splits = []
                for _ in range(hi - lo):  # type: ignore[operator]
                    splits.append(self.emit("split", 0, 0))
                    self.compile(sub)  # type: ignore[arg-type]
                for s in splits:
                    self.patch(s, "split", s + 1, len(self.code))


def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """A function telling whether *pattern* matches somewhere in a string.

    Raises:
        UnsupportedPattern: the pattern is too long or uses an unsupported feature.
        re.error: the pattern is not a regular expression at all.
    """
    import re

    if len(pattern) > MAX_PATTERN:
        raise UnsupportedPattern(f"a pattern longer than {MAX_PATTERN} characters is not supported")
    re.compile(pattern)  # syntax errors are reported as re reports them
    prog = _Program()
    prog.compile(_Parser(pattern).parse())
    prog.emit("match")
    code = tuple(prog.code)
    return lambda text: _search(code, text)


def _search(code: tuple[tuple[object, ...], ...], text: str) -> bool:
    n = len(text)

    def holds(kind: object, i: int) -> bool:
        if kind == "begin":
            return i == 0
        if kind == "end":
            return i == n
        if kind == "end-or-newline":
            return i == n or (i == n - 1 and text[i] == "\n")
        before = i > 0 and _is_word(text[i - 1])
        after = i < n and _is_word(text[i])
        if kind == "boundary":
            return before != after
        return n > 0 and before == after  # like re: \B never matches in an empty string

    def closure(states: list[int], pc: int, i: int, seen: set[int]) -> bool:
        stack = [pc]
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            ins = code[pc]
            op = ins[0]
            if op == "match":
                return True
            if op == "jmp":
                stack.append(ins[1])  # type: ignore[arg-type]
            elif op == "split":
                stack.append(ins[2])  # type: ignore[arg-type]
                stack.append(ins[1])  # type: ignore[arg-type]
            elif op == "assert":
                if holds(ins[1], i):
                    stack.append(pc + 1)
            else:
                states.append(pc)
        return False

    current: list[int] = []
    seen: set[int] = set()
    for i in range(n + 1):
        if closure(current, 0, i, seen):  # a new attempt starts at every position
            return True
        if i == n:
            break
        ch = text[i]
        nxt: list[int] = []
        nseen: set[int] = set()
        for pc in current:
            if code[pc][1](ch) and closure(nxt, pc + 1, i + 1, nseen):  # type: ignore[operator]
                return True
        current, seen = nxt, nseen
    return False
