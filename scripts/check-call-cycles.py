#!/usr/bin/env python3
"""Find call cycles between the source files of one library.

    scripts/check-call-cycles.py OBJECT_DIR [--report]

Reads the object files (*.o) under OBJECT_DIR (a CMake target's
CMakeFiles/<target>.dir) with nm: a file depends on another when it uses a
global symbol the other defines. Prints every strongly connected group of
more than one file and exits 1 if there is one; with --report, also prints
each file's dependencies. Static functions are invisible here by design: a
cycle inside one file is that file's business.
"""
import os
import subprocess
import sys


def object_files(root):
    found = []
    for base, _dirs, files in os.walk(root):
        found += [os.path.join(base, f) for f in files if f.endswith(".o")]
    return sorted(found)


def symbols(obj):
    out = subprocess.run(["nm", "-P", obj], check=True, capture_output=True,
                         text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            used.add(name)
        elif kind in "TDBRVWGS" and kind.isupper():
            defined.add(name)
    return defined, used


def short(path):
    name = os.path.basename(path)
    return name[:-2] if name.endswith(".o") else name


def dependency_graph(objs):
    table = {obj: symbols(obj) for obj in objs}
    owner = {}
    for obj, (defined, _used) in table.items():
        for sym in defined:
            owner.setdefault(sym, obj)
    graph = {}
    for obj, (_defined, used) in table.items():
        graph[obj] = sorted({owner[s] for s in used
                             if s in owner and owner[s] != obj})
    return graph


def strongly_connected(graph):
    """Tarjan's algorithm, iterative so deep graphs cannot overflow."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return [g for g in groups if len(g) > 1]


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    objs = object_files(argv[1])
    if not objs:
        print(f"check-call-cycles: no object files under {argv[1]}",
              file=sys.stderr)
        return 2
    graph = dependency_graph(objs)
    if "--report" in argv[2:]:
        for obj in sorted(graph, key=short):
            deps = ", ".join(short(d) for d in graph[obj]) or "-"
            print(f"{short(obj)} -> {deps}")
    cycles = strongly_connected(graph)
    for group in cycles:
        names = sorted(short(m) for m in group)
        print("call cycle between: " + " ".join(names))
        for member in sorted(group, key=short):
            inside = [short(d) for d in graph[member] if d in group]
            print(f"  {short(member)} uses {', '.join(inside)}")
    if cycles:
        return 1
    print(f"no call cycle between the {len(objs)} files under {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
