from __future__ import annotations

import pytest

from ipq.errors import UnknownName
from ipq.models import TaskList
from ipq.names import PROVINCE_NAMES, PROVINCES, resolve_province


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("商标局", "商标局"),
        ("审业部", "专利局审业部"),
        ("审查业务管理部", "专利局审业部"),
        ("自动化部", "专利局自动化部"),
        ("文献部", "专利局文献部"),
        ("条法司", "条法司"),
        ("知识产权保护司", "保护司"),
        ("运促司", "运用促进司"),
        ("trademark office", "商标局"),
        (" 国际合作 ", "国际合作司"),  # a unique part of a name
        ("国家知识产权局商标局", "商标局"),
        ("国家知识产权局条法司", "条法司"),  # the input contains a name
    ],
)
def test_department_forms(tl: TaskList, typed: str, canonical: str) -> None:
    assert tl.department_registry().resolve(typed) == canonical


def test_unknown_department_suggests_the_nearest(tl: TaskList) -> None:
    with pytest.raises(UnknownName) as info:
        tl.department_registry().resolve("商标处")
    assert info.value.candidates[0] == "商标局"
    assert str(info.value) == "未知的部门“商标处”（您是不是要找：商标局？）"


def test_ambiguous_department_lists_candidates(tl: TaskList) -> None:
    with pytest.raises(UnknownName) as info:
        tl.department_registry().resolve("专利局")
    assert info.value.ambiguous
    assert info.value.candidates == ["专利局审业部", "专利局自动化部", "专利局文献部"]
    assert "不明确" in str(info.value)


@pytest.mark.parametrize("typed", ["3", "三", "三、", "促进知识产权综合运用", "综合运用"])
def test_category_forms(tl: TaskList, typed: str) -> None:
    assert tl.category_registry().resolve(typed) == "促进知识产权综合运用"


def test_unknown_category(tl: TaskList) -> None:
    with pytest.raises(UnknownName, match="未知的类别“8”"):
        tl.category_registry().resolve("8")


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("浙江", "浙江省"),
        ("浙江省", "浙江省"),
        ("浙", "浙江省"),
        ("zhejiang", "浙江省"),
        ("ZheJiang", "浙江省"),
        ("Zhejiang", "浙江省"),
        ("内蒙古", "内蒙古自治区"),
        ("蒙", "内蒙古自治区"),
        ("Inner Mongolia", "内蒙古自治区"),
        ("inner mongolia", "内蒙古自治区"),
        ("广西", "广西壮族自治区"),
        ("桂", "广西壮族自治区"),
        ("北京", "北京市"),
        ("shanxi", "山西省"),
        ("shaanxi", "陕西省"),
        ("新疆", "新疆维吾尔自治区"),
        ("兵团", "新疆生产建设兵团"),
        ("西藏", "西藏自治区"),
        ("Tibet", "西藏自治区"),
        ("浙江省知识产权局", "浙江省"),
    ],
)
def test_province_forms(typed: str, canonical: str) -> None:
    assert resolve_province(typed) == canonical


def test_province_registry_is_complete_and_consistent() -> None:
    assert len(PROVINCES) == 32 and len(set(PROVINCE_NAMES)) == 32
    for p in PROVINCES:
        for form in (p.name, p.short, p.abbr, p.pinyin, p.english, p.english.upper()):
            assert resolve_province(form) == p.name, form


def test_unknown_and_ambiguous_provinces() -> None:
    with pytest.raises(UnknownName) as info:
        resolve_province("浙将")
    assert "浙江省" in info.value.candidates
    with pytest.raises(UnknownName) as info:  # a part of a place's name is no place
        resolve_province("shan")
    assert not info.value.ambiguous and "山西省" in info.value.candidates
    with pytest.raises(UnknownName, match="未知的省份“台湾”"):
        resolve_province("台湾")
