"""What a reader would allocate for the binary formats, read from their records before calamine
opens them: legacy `.xls` (BIFF5/8 in an OLE file; WPS's `.et` is the same) and `.xlsb` (BIFF12).

calamine reserves a sheet's claimed DIMENSIONS range and then a dense range spanning its cells, and
it parses every sheet of an `.xls` when the file is opened: a record claiming rows up to 2³²
aborts the whole process ("memory allocation of 858993459000 bytes failed"), which no `except`
can catch. These walks hop from record header to record header (linear, bounded by the stream).
"""

from __future__ import annotations

import io
import struct

import olefile

from rtr.reading.sheetxml import MAX_COL, MAX_ROW, Extent, OutOfGrid

_EOF, _DIMENSIONS = 0x000A, 0x0200
# BIFF8 cell records: row (u16) and column (u16) first
_CELLS = frozenset({0x0006, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00D6, 0x0406})
_MULTI = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK: row, first column, …, last column (u16 at the end)


class NotBiff(ValueError):
    """An OLE file with no workbook stream (a Word document, or a format calamine does not read)."""


def xls_stream(data: bytes) -> bytes:
    """The workbook stream of an OLE (compound) file."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))  # bytes would be taken for a file name when short
    except (OSError, ValueError, IndexError, struct.error, KeyError, RecursionError) as exc:
        raise NotBiff(str(exc)) from exc
    try:
        for name in ("Workbook", "Book", "workbook", "book"):
            if ole.exists(name):
                return ole.openstream(name).read()
    except (OSError, ValueError, IndexError, struct.error, KeyError, RecursionError) as exc:
        raise NotBiff(str(exc)) from exc
    finally:
        ole.close()
    raise NotBiff("no Workbook stream")


_BOUNDSHEET = 0x0085


class Malformed(ValueError):
    """A record stream no writer produces (sheets overlapping over and over, records past the end)."""


def _after_zeros(stream: bytes, pos: int) -> int:
    """Past a run of zero padding (xlwt pads its stream to a sector), on a record boundary."""
    end = len(stream) - len(stream[pos:].lstrip(b"\0"))
    return end - (end - pos) % 4


_HEADER = struct.Struct("<HH").unpack_from
_HEADER_AND_CELL = struct.Struct("<HHHH").unpack_from  # a record's type and size, and a cell's row and column


def xls_extents(stream: bytes, max_sheets: int) -> list[Extent]:
    """Each sheet's extent: the larger of its DIMENSIONS claim and the cells it holds. Sheets are
    found as calamine finds them, at the offsets the globals' BOUNDSHEET records give; raises
    OutOfGrid, and Malformed past `max_sheets` sheets or for a walk longer than the stream twice."""
    unpack = struct.unpack_from
    n = len(stream)
    offsets: list[int] = []
    pos = 0
    while pos + 4 <= n:
        kind, size = _HEADER(stream, pos)
        if kind == _BOUNDSHEET and size >= 4:
            offsets.append(unpack("<I", stream, pos + 4)[0])
            if len(offsets) > max_sheets:
                raise Malformed(f"{len(offsets)} sheets")
        pos += 4 + size
        if kind == _EOF:
            break
        if kind == 0 and size == 0:
            pos = _after_zeros(stream, pos)
    budget = 2 * (n // 4) + 64  # record headers a walk may read: each sheet once, with room to spare
    sheets = []
    for start in offsets:
        rows = cols = cells = 0
        pos = start
        while pos + 4 <= n:
            budget -= 1
            if budget < 0:
                raise Malformed("records walked over and over")
            # one unpack for the header and a cell's row and column (the hot loop: most records are cells)
            if pos + 8 <= n:
                kind, size, row, col = _HEADER_AND_CELL(stream, pos)
            else:
                (kind, size), row, col = _HEADER(stream, pos), 0, 0
            body = pos + 4
            pos = body + size
            if kind in _CELLS:
                if size >= 4:
                    if row >= rows:
                        rows = row + 1
                    if col >= cols:
                        cols = col + 1
                    cells += 1
            elif kind == _EOF:
                break
            elif kind in _MULTI and size >= 6:
                (last,) = unpack("<H", stream, body + size - 2)
                rows, cols, cells = max(rows, row + 1), max(cols, last + 1), cells + (size - 6) // 2
            elif kind == _DIMENSIONS:
                if size >= 14:  # BIFF8: first row, last row + 1 (u32), first column, last column + 1 (u16)
                    _r0, r1, _c0, c1 = unpack("<IIHH", stream, body)
                elif size >= 8:  # BIFF5/7: u16 throughout
                    _r0, r1, _c0, c1 = unpack("<HHHH", stream, body)
                else:
                    continue
                if r1 > MAX_ROW or c1 > MAX_COL:
                    raise OutOfGrid(f"DIMENSIONS {r1}行×{c1}列".encode())
                rows, cols = max(rows, r1), max(cols, c1)
            elif kind == 0 and size == 0:
                pos = _after_zeros(stream, pos)
        sheets.append(Extent(rows, cols, cells))
    return sheets


# BIFF12 (.xlsb) record types
_ROW_HDR, _WS_DIM = 0x0000, 0x0094
_LAST_CELL = 0x0012  # 0x01–0x12: the cell records (BrtCell*, BrtFmla*, BrtShort*), column (u32) first


def _varint(data: bytes, pos: int, most: int) -> tuple[int, int]:
    value = shift = 0
    for i in range(most):
        if pos + i >= len(data):
            raise ValueError("truncated record header")
        byte = data[pos + i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos + i + 1
        shift += 7
    return value, pos + most


def xlsb_extent(sheet: bytes) -> Extent:
    """A `.xlsb` worksheet part's extent (its BrtWsDim claim and the cells it holds); raises
    OutOfGrid beyond Excel's grid, ValueError for a damaged record stream."""
    pos, n = 0, len(sheet)
    row = rows = cols = cells = 0
    unpack = struct.unpack_from
    while pos < n:
        kind, pos = _varint(sheet, pos, 2)
        size, pos = _varint(sheet, pos, 4)
        body, pos = pos, pos + size
        if pos > n:
            raise ValueError("truncated record")
        if kind == _ROW_HDR and size >= 4:
            (row,) = unpack("<I", sheet, body)
            if row >= MAX_ROW:
                raise OutOfGrid(f"第{row + 1}行".encode())
        elif 0 < kind <= _LAST_CELL and size >= 4:
            (col,) = unpack("<I", sheet, body)
            if col >= MAX_COL:
                raise OutOfGrid(f"第{col + 1}列".encode())
            rows, cols, cells = max(rows, row + 1), max(cols, col + 1), cells + 1
        elif kind == _WS_DIM and size >= 16:
            _r0, r1, _c0, c1 = unpack("<IIII", sheet, body)
            if r1 >= MAX_ROW or c1 >= MAX_COL:
                raise OutOfGrid(f"dimension {r1 + 1}行×{c1 + 1}列".encode())
            rows, cols = max(rows, r1 + 1), max(cols, c1 + 1)
    return Extent(rows, cols, cells)
