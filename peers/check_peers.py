"""Checks, with the standard library alone, that the peers' op tables and the protocol agree:
every op name the torch peer has a function for passes `peer_protocol.check` (an op missing
there is refused as unknown, and the bench silently shows no peer column for it). Run by the
CLI's tests; exits 1 naming the ops that disagree."""

import ast
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import peer_protocol as proto  # noqa: E402


def tuple_names(tree):
    """The protocol tuples a dict comprehension iterates (`for s in proto.SCANS`)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.DictComp):
            for gen in node.generators:
                it = gen.iter
                if isinstance(it, ast.Attribute) and isinstance(it.value, ast.Name) and it.value.id == "proto":
                    out.add(it.attr)
    return out


def table_ops(path, function):
    """The string keys of the dict literals inside `function` of the peer at `path`."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    ops = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and fn.name == function:
            for node in ast.walk(fn):
                if isinstance(node, ast.Dict):
                    ops |= {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            for name in tuple_names(fn):
                ops |= set(getattr(proto, name))
    return ops


def main():
    ops = table_ops(os.path.join(HERE, "torch_peer.py"), "op_fn")
    if len(ops) < 50:
        print(f"found only {len(ops)} ops in torch_peer.op_fn: has the table moved?")
        return 1
    refused = []
    for op in sorted(ops):
        try:
            proto.check({"op": op, "dtype": "f32"})
        except ValueError as e:
            refused.append(f"{op}: {e}")
    if refused:
        print("torch_peer.op_fn has functions for ops peer_protocol.check refuses:")
        print("\n".join(refused))
        return 1
    print(f"{len(ops)} ops of torch_peer.op_fn pass peer_protocol.check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
