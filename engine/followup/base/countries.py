"""The countries there are: ISO 3166-1 alpha-2 codes, for telling "no rules for FI" from "ZZ is no country".

The 249 codes are those of the tz database's ``iso3166.tab`` (public domain, current as of
ISO/TC 46 N1108, 2023-04-05); each has its public holidays in the ``holidays`` package.
pycountry is not a dependency, and ``holidays.list_supported_countries()`` is a list of
calendars (with aliases such as UK), not of countries.

XA to XZ are accepted as well: ISO 3166-1 leaves them to users, the EU and ``holidays`` use
XK for Kosovo, and a rules folder of one's own may use them for a region with rules of its
own (the tests do). The other codes ISO leaves to users (AA, QM-QZ, ZZ) are refused: ZZ in
particular is what "unknown country" is written as.
"""

from __future__ import annotations

ISO_3166_CODES = frozenset("""
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
""".split())

#: Codes that are not ISO 3166-1 but that people write for a country (EU usage, habit).
COMMON_MISTAKES = {"UK": "GB", "EL": "GR"}

#: ISO's codes for users' own use that followup takes: XK (Kosovo) and the rest of XA-XZ.
USER_ASSIGNED = frozenset(f"X{letter}" for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")

COUNTRIES = ISO_3166_CODES | USER_ASSIGNED
