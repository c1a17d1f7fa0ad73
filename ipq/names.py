"""Registries of names as people write them, and their resolution.

A :class:`Registry` maps every accepted spelling of a thing (its canonical name,
short forms, abbreviations, pinyin, English) to the canonical name.  Resolution
tries, in order: the exact canonical name, an alias (case-insensitive), a unique
part of a name, a name that the input contains; an unknown or ambiguous input
raises :class:`~ipq.errors.UnknownName` with the nearest candidates.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import UnknownName


def normalize(text: str) -> str:
    """Fold case and drop whitespace, so 'Inner Mongolia' == 'innermongolia'."""
    return "".join(text.split()).casefold()


class Registry:
    """Canonical names and their aliases, with forgiving resolution."""

    def __init__(
        self,
        kind: str,
        entries: Iterable[tuple[str, Iterable[str]]],
        hint: str | None = None,
        places: bool = False,
    ) -> None:
        """``hint`` says what is valid when nothing is near; by default, the names themselves.

        ``places``: names of places, where a part of a name means nothing
        ("Mongolia" is not 内蒙古) and an input that contains a name is that
        place only when the rest names an office of it (浙江省知识产权局), not a
        smaller place within or elsewhere (海南藏族自治州, 吉林市).
        """
        self.kind = kind
        self.places = places
        self.names: list[str] = []
        self._exact: dict[str, str] = {}
        self._alias: dict[str, str] = {}
        for name, aliases in entries:
            self.names.append(name)
            self._exact[normalize(name)] = name
            for alias in aliases:
                self._alias.setdefault(normalize(alias), name)
        self.hint = hint if hint is not None else "可用：" + "、".join(self.names)

    def _spellings(self) -> dict[str, str]:
        return {**self._alias, **self._exact}

    def resolve(self, text: str) -> str:
        key = normalize(text)
        if not key:
            raise UnknownName(self.kind, text, self.names[:5])
        if key in self._exact:
            return self._exact[key]
        if key in self._alias:
            return self._alias[key]
        spellings = self._spellings()
        # a unique part of a name ("审业" -> 专利局审业部)
        found = None if self.places else _unique({n for s, n in spellings.items() if key in s})
        if found is not None:
            return self._checked(found, text)
        # the input contains a name ("国家知识产权局商标局" -> 商标局); longest wins
        contained = [
            (len(s), name)
            for s, name in spellings.items()
            if len(s) >= 2
            and s in key
            and (not self.places or (key.startswith(s) and _office_of_place(key[len(s) :])))
        ]
        if contained:
            best = max(contained)[0]
            found = _unique({name for n, name in contained if n == best})
            if found is not None:
                return self._checked(found, text)
        if self.places:  # 吉林市, 海南藏族自治州: a smaller place, not the province in its name
            inside = sorted({n for s, n in spellings.items() if len(s) >= 2 and s in key})
            if inside:
                hint = (
                    f"这是比{self.kind}更小的地方或别处的机构，不是{'、'.join(inside)}；{self.hint}"
                )
                raise UnknownName(self.kind, text, [], hint=hint)
        raise self._unknown(text, key, spellings)

    def _checked(self, found: str | list[str], text: str) -> str:
        if isinstance(found, str):
            return found
        ordered = sorted(found, key=self.names.index)
        raise UnknownName(self.kind, text, ordered[:8], ambiguous=True)

    def _unknown(self, text: str, key: str, spellings: dict[str, str]) -> UnknownName:
        near = difflib.get_close_matches(key, list(spellings), n=6, cutoff=0.5)
        candidates: list[str] = []
        for spelling in near:
            name = spellings[spelling]
            if name not in candidates:
                candidates.append(name)
        return UnknownName(self.kind, text, candidates[:3], hint=self.hint)


#: What follows a place's name when the text names that place's office.
_OFFICE_ENDINGS = (
    "局",
    "厅",
    "委",
    "委员会",
    "办",
    "办公室",
    "中心",
    "政府",
    "处",
    "科",
    "院",
    "所",
)
#: What begins or ends the name of a smaller place (吉林市, 海南藏族自治州).
_PLACE_MARKS = ("市", "州", "县", "区", "盟", "旗", "镇", "乡", "村", "岛")


def _office_of_place(rest: str) -> bool:
    """ "省知识产权局" after 浙江 names its office; "藏族自治州" after 海南 a smaller place."""
    return rest.endswith(_OFFICE_ENDINGS) and not rest.startswith(_PLACE_MARKS)


def _unique(names: set[str]) -> str | list[str] | None:
    if not names:
        return None
    if len(names) == 1:
        return next(iter(names))
    return list(names)


@dataclass(frozen=True)
class Province:
    name: str  # full name: 浙江省
    short: str  # 浙江
    abbr: str  # 浙
    pinyin: str  # zhejiang
    english: str  # Zhejiang

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.short, self.abbr, self.pinyin, self.english)


BINGTUAN = "新疆生产建设兵团"

# The 31 provincial-level units of the mainland in the official order, and the
# Xinjiang Production and Construction Corps, whose IP office CNIPA addresses
# alongside the provinces'.
PROVINCES: tuple[Province, ...] = (
    Province("北京市", "北京", "京", "beijing", "Beijing"),
    Province("天津市", "天津", "津", "tianjin", "Tianjin"),
    Province("河北省", "河北", "冀", "hebei", "Hebei"),
    Province("山西省", "山西", "晋", "shanxi", "Shanxi"),
    Province("内蒙古自治区", "内蒙古", "蒙", "neimenggu", "Inner Mongolia"),
    Province("辽宁省", "辽宁", "辽", "liaoning", "Liaoning"),
    Province("吉林省", "吉林", "吉", "jilin", "Jilin"),
    Province("黑龙江省", "黑龙江", "黑", "heilongjiang", "Heilongjiang"),
    Province("上海市", "上海", "沪", "shanghai", "Shanghai"),
    Province("江苏省", "江苏", "苏", "jiangsu", "Jiangsu"),
    Province("浙江省", "浙江", "浙", "zhejiang", "Zhejiang"),
    Province("安徽省", "安徽", "皖", "anhui", "Anhui"),
    Province("福建省", "福建", "闽", "fujian", "Fujian"),
    Province("江西省", "江西", "赣", "jiangxi", "Jiangxi"),
    Province("山东省", "山东", "鲁", "shandong", "Shandong"),
    Province("河南省", "河南", "豫", "henan", "Henan"),
    Province("湖北省", "湖北", "鄂", "hubei", "Hubei"),
    Province("湖南省", "湖南", "湘", "hunan", "Hunan"),
    Province("广东省", "广东", "粤", "guangdong", "Guangdong"),
    Province("广西壮族自治区", "广西", "桂", "guangxi", "Guangxi"),
    Province("海南省", "海南", "琼", "hainan", "Hainan"),
    Province("重庆市", "重庆", "渝", "chongqing", "Chongqing"),
    Province("四川省", "四川", "川", "sichuan", "Sichuan"),
    Province("贵州省", "贵州", "贵", "guizhou", "Guizhou"),
    Province("云南省", "云南", "云", "yunnan", "Yunnan"),
    Province("西藏自治区", "西藏", "藏", "xizang", "Tibet"),
    Province("陕西省", "陕西", "陕", "shaanxi", "Shaanxi"),
    Province("甘肃省", "甘肃", "甘", "gansu", "Gansu"),
    Province("青海省", "青海", "青", "qinghai", "Qinghai"),
    Province("宁夏回族自治区", "宁夏", "宁", "ningxia", "Ningxia"),
    Province("新疆维吾尔自治区", "新疆", "新", "xinjiang", "Xinjiang"),
    Province(BINGTUAN, "兵团", "兵团", "bingtuan", "XPCC"),
)

# Further spellings people use: alternative abbreviations, English long forms.
_EXTRA_PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "四川省": ("蜀",),
    "贵州省": ("黔",),
    "云南省": ("滇",),
    "陕西省": ("秦",),
    "甘肃省": ("陇",),
    "西藏自治区": ("Xizang",),
    "内蒙古自治区": ("Nei Mongol",),
    "新疆生产建设兵团": ("Xinjiang Production and Construction Corps", "新疆兵团"),
}

PROVINCE_NAMES: tuple[str, ...] = tuple(p.name for p in PROVINCES)

PROVINCE_REGISTRY = Registry(
    "省份",
    ((p.name, (*p.aliases, *_EXTRA_PROVINCE_ALIASES.get(p.name, ()))) for p in PROVINCES),
    hint="请写省级单位的名称，如 浙江、浙江省、浙、zhejiang 或 新疆生产建设兵团",
    places=True,
)


def resolve_province(text: str) -> str:
    """The full name of a province from any accepted spelling."""
    return PROVINCE_REGISTRY.resolve(text)
