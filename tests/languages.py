"""The two languages and the UI strings that unit tests format with."""
from featuresite.model import Language

ZH = Language("zh", "zh-CN", "zh_Hans_CN", "中文", 10000)
EN = Language("en", "en", "en", "English", 1000000)
STRINGS = {
    "figure_unit": {"zh": "{n}{unit}", "en": "{n} {unit}"},
    "figure_over": {"zh": "超{n}", "en": "more than {n}"},
    "figure_about": {"zh": "约{n}", "en": "about {n}"},
    "footnote_backlink": {"zh": "返回第%d条注释", "en": "Back to footnote %d"},
}
