"""The sheet parts of a workbook are read one way: the integrity check and in-place
editing (recalculation) agree, and a sheet without a relationship is left out so that the
caller names it as missing rather than failing on a KeyError."""

from __future__ import annotations

from cmr_xl.workbook.integrity import check_package
from cmr_xl.workbook.package import Package, sheet_part_names
from cmr_xl.workbook.template import committed_template

WORKBOOK = (b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="Results" sheetId="1" r:id="rId1"/>'
            b'<sheet name="Lost" sheetId="2" r:id="rId9"/>'
            b'<sheet name="Absolute" sheetId="3" r:id="rId3"/></sheets></workbook>')
RELS = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
        b'<Relationship Id="rId3" Target="/xl/worksheets/sheet3.xml"/></Relationships>')


def test_the_check_and_the_package_read_the_same_sheet_parts():
    template = committed_template()
    parts = check_package(template)
    assert parts and parts == Package(template).sheet_parts()


def test_relative_and_absolute_targets_and_a_sheet_without_relationship():
    assert sheet_part_names(WORKBOOK, RELS) == {"Results": "xl/worksheets/sheet1.xml",
                                                "Absolute": "xl/worksheets/sheet3.xml"}
