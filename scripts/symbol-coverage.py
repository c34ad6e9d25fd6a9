#!/usr/bin/env python3
"""Which exported libssl.so.3 functions the tests really called.

The analysis half of scripts/symbol-coverage.sh (which builds, runs the tests
phase by phase and saves gcov's output); run it through that script.

    symbol-coverage.py [--strict] LIBSSL_SO APP_SYMBOLS_DIR PHASE.gcov...

Each PHASE.gcov is `gcov -b -c -t` over the drop-in's .gcda files after one
phase of the tests (a ctest test, or one application's porting case); the
phase is named by the file name. The function counts are gcc's entry counts.

A function's count includes the calls the library makes to its own exported
functions (SSL_CTX_free from SSL_free, ...), so a count alone does not prove
that a test called the symbol. For every call the library makes to an
exported function (found in `objdump -d -l`), the calls executed on that
source line bound the internal calls from above; what is left of the entry
count must have come from outside: a test or an application. A symbol is
  exercised      called from outside at least once (count > internal bound)
  internal-only  called, but every call may have been the library's own
  never          never called
  not-exported   imported by the application, not in our libssl.so.3
  data           an exported object, not a function: nothing to count
  no-counter     exported function with no gcov counter (an alias?): the
                 symbol it shares an address with is named if there is one
Counts are lower bounds: a process killed by a signal never writes its counts.
"""
import collections
import os
import re
import subprocess
import sys

GCOV_LINE = re.compile(r'^\s*([0-9]+|#####|=====|-)\*?:\s*([0-9]+):(.*)$')
GCOV_FUNC = re.compile(r'^function (\S+) called ([0-9]+) ')
GCOV_CALL = re.compile(r'^call\s+[0-9]+ (?:returned ([0-9]+)|never executed)')
OBJDUMP_LINE = re.compile(r'^(\S+\.[A-Za-z]+):([0-9]+)(?: \(discriminator [0-9]+\))?$')
OBJDUMP_CALL = re.compile(r'\s(?:call|jmp)\s+[0-9a-f]+ <([A-Za-z_][A-Za-z0-9_]*)(?:@plt)?>$')


def parse_gcov(path):
    """Entry count per function, and per source line the most times any call
    on it can have run: the larger of the line's count (a call on a line
    runs at most once per execution of the line, unless the line is a loop
    by itself) and the call arcs gcov prints after it (gcov prints a block's
    calls after the block's last line, which is the call's line in a loop on
    one line)."""
    funcs = collections.Counter()
    line_calls = collections.defaultdict(int)
    source = None
    line = None
    with open(path, encoding='utf-8', errors='replace') as f:
        for text in f:
            text = text.rstrip('\n')
            m = GCOV_LINE.match(text)
            if m:
                if m.group(2) == '0':
                    if m.group(3).startswith('Source:'):
                        source = os.path.realpath(m.group(3)[len('Source:'):])
                    line = None
                else:
                    line = (source, int(m.group(2)))
                    if m.group(1).isdigit():
                        line_calls[line] = max(line_calls[line], int(m.group(1)))
                continue
            m = GCOV_FUNC.match(text)
            if m:
                funcs[m.group(1)] += int(m.group(2))
                continue
            m = GCOV_CALL.match(text)
            if m and line is not None:
                calls = int(m.group(1) or 0)
                line_calls[line] = max(line_calls[line], calls)
    return funcs, line_calls


def exported_symbols(so):
    """name -> (nm type, address) for the dynamic symbols we define."""
    out = subprocess.run(['nm', '-D', '--defined-only', so], check=True,
                         capture_output=True, text=True).stdout
    syms = {}
    for row in out.splitlines():
        parts = row.split()
        if len(parts) == 3 and parts[1] != 'A':
            syms[parts[2].split('@')[0]] = (parts[1], parts[0])
    return syms


def same_address_names(so):
    """address -> every function name in the full symbol table (aliases)."""
    out = subprocess.run(['nm', '--defined-only', so], check=True,
                         capture_output=True, text=True).stdout
    names = collections.defaultdict(set)
    for row in out.splitlines():
        parts = row.split()
        if len(parts) == 3 and parts[1] in 'TtWi':
            names[parts[0]].add(parts[2].split('@')[0])
    return names


def internal_call_sites(so, exported):
    """exported name -> set of (file, line) where the library itself calls it."""
    out = subprocess.run(['objdump', '-d', '-l', '--no-show-raw-insn', so], check=True,
                         capture_output=True, text=True).stdout
    sites = collections.defaultdict(set)
    where = None
    for text in out.splitlines():
        if text.endswith('>:'):
            where = None  # a new function: no line known yet
            continue
        m = OBJDUMP_LINE.match(text)
        if m:
            where = (os.path.realpath(m.group(1)), int(m.group(2)))
            continue
        m = OBJDUMP_CALL.search(text)
        if m and m.group(1) in exported:
            # No line information (built without -g): an unknown site, which
            # may account for every call.
            sites[m.group(1)].add(where or ('', 0))
    return sites


def mentions(site, name, cache={}):
    """How many calls to NAME are written on the source line (at least 1)."""
    path, line = site
    if not path:
        return 1
    if path not in cache:
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                cache[path] = f.read().splitlines()
        except OSError:
            cache[path] = []
    lines = cache[path]
    text = lines[line - 1] if 0 < line <= len(lines) else ''
    return max(1, len(re.findall(r'\b%s\s*\(' % re.escape(name), text)))


def site_runs(site, count, line_calls):
    """The most times the call site can have run; the function's whole count
    when gcov has no such line (a path written differently: by file name)."""
    if site in line_calls:
        return line_calls[site]
    if not site[0]:
        return count
    same_name = [k for k in line_calls
                 if k[1] == site[1] and os.path.basename(k[0]) == os.path.basename(site[0])]
    return line_calls[same_name[0]] if len(same_name) == 1 else count


def external_calls(name, count, sites, line_calls):
    """Entry count less the most the library's own call sites can account for."""
    bound = sum(mentions(s, name) * site_runs(s, count, line_calls)
                for s in sites.get(name, ()))
    return count - bound


class Coverage:
    """The counts of every phase, and what they say about one symbol."""

    def __init__(self, so, phase_files):
        self.exported = exported_symbols(so)
        self.aliases = same_address_names(so)
        sites = internal_call_sites(so, self.exported)
        self.total = collections.Counter()     # entry counts
        self.outside = collections.Counter()   # calls beyond the internal bound
        self.counted = set()                   # functions that have a counter
        self.by_phase = {}                     # phase -> called from outside
        for path in phase_files:
            funcs, line_calls = parse_gcov(path)
            self.counted.update(funcs)
            called = set()
            for name, count in funcs.items():
                if name not in self.exported or count == 0:
                    continue
                self.total[name] += count
                ext = external_calls(name, count, sites, line_calls)
                if ext > 0:
                    self.outside[name] += ext
                    called.add(name)
            self.by_phase[os.path.basename(path)[:-len('.gcov')]] = called

    def counter_of(self, name):
        """The function whose counter counts NAME's calls (an alias's target)."""
        if name in self.counted or name not in self.exported:
            return name
        addr = self.exported[name][1]
        others = sorted(n for n in self.aliases.get(addr, ())
                        if n != name and n in self.counted)
        return others[0] if others else name

    def status(self, name):
        """(state, note): the states of the module's header; note names an alias's target."""
        if name not in self.exported:
            return 'not-exported', ''
        if self.exported[name][0] not in 'TtWi':
            return 'data', ''
        target = self.counter_of(name)
        note = '' if target == name else 'alias of ' + target
        if target not in self.counted:
            return 'no-counter', note
        if self.outside[target] > 0:
            return 'exercised', note
        if self.total[target] > 0:
            return 'internal-only', note
        return 'never', note

    def own_case(self, app):
        """Names the application's own porting cases called (as a client and,
        in cases/<name>-server.sh, as a server), or None without one. The
        list's name may carry a suffix or a version the case's lacks
        (python3-ssl: cases/python.sh and python-server.sh)."""
        base = app.split('-')[0]
        names = {app, base, base.rstrip('0123456789')}
        phases = ['porting.' + n + s for n in sorted(names) for s in ('', '-server')]
        found = [self.by_phase[p] for p in phases if p in self.by_phase]
        if not found:
            return None
        return set().union(*found)


def read_imports(refs):
    """app -> its sorted imports, plus 'union'."""
    imports = {}
    for name in sorted(os.listdir(refs)):
        if name.endswith('.txt'):
            with open(os.path.join(refs, name)) as f:
                imports[name[:-4]] = sorted({l.strip() for l in f
                                             if l.strip() and not l.startswith('#')})
    imports['union'] = sorted(set().union(*imports.values()))
    return imports


def classify(cov, names):
    """state -> names in that state; 'alias' lists exercised aliases."""
    groups = collections.defaultdict(list)
    for name in names:
        state, note = cov.status(name)
        groups[state].append(name + (' (%s)' % note if note else ''))
        if note and state == 'exercised':
            groups['alias'].append('%s (%s)' % (name, note))
    return groups


def print_table(cov, imports):
    row = '%-12s %7s %8s %9s %8s %5s %5s %5s  %s'
    print(row % ('app', 'imports', 'exported', 'exercised', 'internal', 'never', 'data',
                 'other', 'own case'))
    print(row % ('-' * 12, '-' * 7, '-' * 8, '-' * 9, '-' * 8, '-' * 5, '-' * 5, '-' * 5,
                 '-' * 8))
    for app, names in imports.items():
        groups = classify(cov, names)
        own = cov.own_case(app)
        own_text = '-' if own is None else '%d/%d' % (
            len([n for n in names if cov.counter_of(n) in own]), len(names))
        if app == 'union':
            print(row % (('-' * 12,) + ('',) * 8))
        print(row % (app, len(names), len(names) - len(groups['not-exported']),
                     len(groups['exercised']), len(groups['internal-only']),
                     len(groups['never']), len(groups['data']), len(groups['no-counter']),
                     own_text))
    print()
    print('exercised: called from outside the library at least once; internal: called,')
    print('but possibly only by the library itself; other: an exported function with no')
    print("counter; own case: imports exercised while that application's porting case ran")
    print("('-': no case). Counts are lower bounds: a process killed by a signal writes none.")


def print_lists(cov, imports):
    for app, names in imports.items():
        groups = classify(cov, names)
        parts = [(s, groups[s]) for s in ('never', 'internal-only', 'no-counter', 'data',
                                            'not-exported') if groups[s]]
        if groups['alias']:
            # One counter for both names: the calls may all have gone to the other.
            parts.append(('exercised, counted with the function it aliases', groups['alias']))
        own = cov.own_case(app)
        if own is not None:
            others = [n for n in names
                      if cov.status(n)[0] == 'exercised' and cov.counter_of(n) not in own]
            if others:
                parts.append(('exercised by other tests, not by its own case', others))
        if not parts:
            print('\n%s: every import exercised' % app)
            continue
        print('\n%s:' % app)
        for state, group in parts:
            print('  %s (%d):' % (state, len(group)))
            print(wrap(group, '    '))

    unused = [n for n in sorted(cov.exported) if n not in imports['union']
              and cov.status(n)[0] not in ('exercised', 'data')]
    if unused:
        print('\nExported, imported by none of the applications, not exercised (%d):'
              % len(unused))
        print(wrap(['%s (%s)' % (n, cov.status(n)[0]) for n in unused], '  '))


def main(argv):
    strict = '--strict' in argv
    args = [a for a in argv if a != '--strict']
    if len(args) < 3:
        sys.exit(__doc__)
    so, refs, phase_files = args[0], args[1], args[2:]
    cov = Coverage(so, phase_files)
    imports = read_imports(refs)

    print('libssl.so.3: %s (%d exported symbols)' % (so, len(cov.exported)))
    print('phases: %s' % ', '.join(sorted(cov.by_phase)))
    print()
    print_table(cov, imports)
    print_lists(cov, imports)

    unproven = len(imports['union']) - len(classify(cov, imports['union'])['exercised'])
    if strict and unproven:
        print('\n--strict: %d imported symbol(s) not exercised' % unproven, file=sys.stderr)
        return 1
    return 0


def wrap(names, indent, width=100):
    lines, cur = [], indent
    for n in names:
        if len(cur) + len(n) + 1 > width and cur.strip():
            lines.append(cur.rstrip())
            cur = indent
        cur += n + ' '
    lines.append(cur.rstrip())
    return '\n'.join(lines)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
