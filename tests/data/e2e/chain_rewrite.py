#!/usr/bin/env python3
"""chain_rewrite.py DB: what an attacker with write access to the collector's
database can do after changing rows: recompute every record hash and every
block hash, so that the chain is consistent again (tests/e2e/verify.sh).

An independent implementation of the format in collector/col_chain.h:
record hash = SHA-256("R1" || type || canonical content), the content being
every non-NULL column but chain_block in name order (u8 name length, name,
tag 'i' int64 / 'f' double / 't' text / 'b' blob, big-endian, u32 lengths);
block hash = SHA-256("B1" || u64 block || i64 time_ms || prev || u32 entries
|| manifest). Plain verify passes on the result; only anchors logged before
the rewrite tell.
"""
import hashlib
import sqlite3
import struct
import sys

TYPES = {  # type id: (table, key columns)
    1: ("events", ("agent", "seq")),
    2: ("anomalies", ("id",)),
    3: ("anomaly_events", ("anomaly", "agent", "seq")),
    4: ("anomaly_history", ("id",)),
    5: ("quarantine", ("id",)),
}


def encode_row(cur, table, keys, values):
    cur.execute("SELECT * FROM %s WHERE %s" % (table, " AND ".join("%s = ?" % k for k in keys)), values)
    row = cur.fetchone()
    if row is None:
        return None, None
    names = [d[0] for d in cur.description]
    cols = sorted((n, v) for n, v in zip(names, row) if n != "chain_block" and v is not None)
    out = b""
    for name, v in cols:
        out += bytes([len(name)]) + name.encode()
        if isinstance(v, int):
            out += b"i" + struct.pack(">q", v)
        elif isinstance(v, float):
            out += b"f" + struct.pack(">d", v)
        elif isinstance(v, str):
            b = v.encode("utf-8", "surrogateescape")
            out += b"t" + struct.pack(">I", len(b)) + b
        else:
            out += b"b" + struct.pack(">I", len(v)) + bytes(v)
    return out, dict(zip(names, row)).get("chain_block")


def main(path):
    db = sqlite3.connect(path)
    db.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    cur = db.cursor()
    prev = bytes(32)
    blocks = cur.execute("SELECT block, time_ms, manifest FROM chain ORDER BY block").fetchall()
    for block, time_ms, manifest in blocks:
        out, pos, n = b"", 0, 0
        while pos < len(manifest):
            typ, op = manifest[pos], manifest[pos + 1]
            table, keys = TYPES[typ]
            start, pos = pos, pos + 2
            values = []
            for _ in keys:
                if manifest[pos] == ord("i"):
                    values.append(struct.unpack(">q", manifest[pos + 1:pos + 9])[0])
                    pos += 9
                else:
                    ln = struct.unpack(">I", manifest[pos + 1:pos + 5])[0]
                    values.append(manifest[pos + 5:pos + 5 + ln].decode())
                    pos += 5 + ln
            ident = manifest[start:pos]
            n += 1
            if op == ord("D"):
                out += ident
                continue
            old = manifest[pos:pos + 32]
            pos += 32
            content, chain_block = encode_row(cur, table, keys, values)
            # Rows whose latest state is this block get their current hash.
            if content is not None and chain_block == block:
                old = hashlib.sha256(b"R1" + bytes([typ]) + content).digest()
            out += ident + old
        h = hashlib.sha256(b"B1" + struct.pack(">Qq", block, time_ms) + prev + struct.pack(">I", n) + out).digest()
        cur.execute("UPDATE chain SET prev = ?, hash = ?, records = ?, manifest = ? WHERE block = ?",
                    (prev, h, n, out, block))
        prev = h
    db.commit()
    print("rewrote %d blocks" % len(blocks))


if __name__ == "__main__":
    main(sys.argv[1])
