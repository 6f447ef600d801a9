"""Data for analyzer.language: the function words and typical letters of each language it tells apart.

Written for this project from general knowledge of each language: the words are the closed-class ones
(articles, pronouns, prepositions, conjunctions, auxiliaries, common adverbs) that any prose sentence is
full of, whatever its topic; a technical sentence's nouns (model, agent, data) are left out because they
are borrowed across languages. Letters are the ones with diacritics (or whole alphabets' letters) that a
language uses and its neighbours mostly do not. A word or letter listed for several languages counts for
each of them, split between them, so only what a language does not share with its neighbours makes it win.

Imported only when a sentence is not plainly English (a Latin-script sentence with few English function
words, or a sentence in another script whose letters alone do not name the language).
"""

from __future__ import annotations

# Latin script. "en" is a candidate too: a sentence can fail the cheap English test (it is mostly names
# and technical terms) and still be English by its remaining function words.
LATIN_WORDS: dict[str, str] = {
    "en": (
        "the a an and or but nor of to in on for with by from at as into onto over under about after before between "
        "through via per is are was were be been being has have had do does did can could will would shall should "
        "may might must it its this that these those there their they them he she his her we our us you your my "
        "not no yes if then than when where which who whom whose what how why also only just more most less any all "
        "each every some such other both either so very too up out here now without within while because since until"
    ),
    "de": (
        "der die das den dem des ein eine einen einem einer eines und oder aber nicht kein keine keinen ist sind war "
        "waren wird werden wurde wurden kann können muss müssen soll sollen darf mit von zu zum zur im in auf für aus "
        "bei nach über unter durch ohne gegen um als wie auch noch nur sehr schon wenn dass ob weil sich sie er es "
        "wir ihr ich du mein sein seine ihre ihren unser unsere diese dieser dieses diesen alle jede jeder jedes man "
        "hat haben hatte mehr dabei damit dann denn doch hier sowie zwischen bzw"
    ),
    "fr": (
        "le la les l un une des du de d et ou mais ne pas plus est sont été être avoir a ont peut peuvent doit dans "
        "sur pour par avec sans sous entre vers chez ce cet cette ces qui que qu quoi dont où il elle ils elles on "
        "nous vous je tu son sa ses leur leurs notre nos votre vos au aux se s n c y en comme aussi très tout tous "
        "toute toutes si lors selon afin ainsi donc"
    ),
    "es": (
        "el la los las lo un una unos unas y o pero no es son fue ser estar está están ha han puede pueden debe de "
        "del al en con sin sobre para por entre hasta desde hacia que quien cual cuando donde como también muy más "
        "menos su sus nuestro nuestra este esta estos estas ese esa se le les nos usted ya todo todos toda todas "
        "cada otro otra mediante según hay"
    ),
    "pt": (
        "o a os as um uma uns umas e ou mas não é são foi ser estar está estão tem têm pode podem deve de do da dos "
        "das no na nos nas em com sem sobre para por pelo pela pelos pelas entre até desde que quem qual quando onde "
        "como também muito mais menos seu sua seus suas nosso nossa este esta estes estas esse essa isso isto se lhe "
        "já todo todos toda todas cada outro outra através ao aos à às você vocês"
    ),
    "it": (
        "il lo la i gli le un uno una e o ma non è sono era essere ha hanno può possono deve di del dello della dei "
        "degli delle da dal dalla in nel nello nella nei negli nelle su sul sulla con senza per tra fra che chi cui "
        "quale quando dove come anche molto più meno suo sua suoi sue nostro questo questa questi queste quello "
        "quella si ci vi ne tutto tutti tutta tutte ogni altro altra al allo alla ai agli alle l dell all nell sull"
    ),
    "nl": (
        "de het een en of maar niet geen is zijn was waren wordt worden werd kan kunnen moet moeten zal zullen mag "
        "van naar in op voor met door uit bij over onder zonder tegen om als dan dat die deze dit wat wie waar hoe "
        "ook nog al zeer erg meer minder je jij u we wij ze zij hij haar hun ons onze uw mijn er hier daar alle elk "
        "elke men heeft hebben tussen"
    ),
    "pl": (
        "i w we z ze na do od o u za przez dla po przy bez pod nad przed między oraz lub albo ale nie to jest są był "
        "była było być może mogą musi ma mają który która które którzy co jak gdy jeśli że się jego jej ich nasz "
        "nasza ten ta te tego tej tym także też już tylko bardzo więcej wszystkie każdy każda można jako czy"
    ),
    "tr": (
        "ve veya ile bir bu şu o da de ki için gibi kadar daha en çok az ama fakat ancak değil var yok olan olarak "
        "olup olması ise her hem bütün tüm tarafından üzerinde içinde sonra önce göre kendi biz siz onlar ben sen "
        "bunu bunlar ne nasıl neden nerede mi mı mu mü eğer ayrıca sadece"
    ),
    "vi": (
        "và của là các được cho với trong này có một những để không khi người bạn chúng tôi ta từ theo về như đã sẽ "
        "đang thì mà nếu hoặc nhưng cũng rất nhiều hơn tại trên dưới sau trước bằng vào ra lại nên do vì nó họ mình "
        "đó đây đến hay cùng"
    ),
    "id": (
        "yang dan di ke dari untuk dengan pada dalam adalah ini itu atau tidak bukan akan sudah telah bisa dapat "
        "harus juga lebih sangat oleh karena jika kami kita anda mereka ia dia saya ada para secara serta seperti "
        "agar sehingga tanpa antara setelah sebelum hanya semua setiap tersebut melalui bagi hal"
    ),
    "cs": (
        "a i v ve z ze na do od o u za pro při bez pod nad před mezi přes k ke s se je jsou byl byla bylo být může "
        "mohou musí má mají který která které co jak když pokud že jeho její jejich náš tento tato toto tyto také "
        "už jen velmi více všechny každý lze jako nebo ale ani či tak"
    ),
    "sv": (
        "och eller men inte är var vara blir blev har hade kan kunna ska skall måste får i på av för med till från "
        "om under över utan mellan genom vid efter innan som att det den de en ett detta denna dessa vi ni du jag "
        "han hon hans hennes deras vår vårt våra er sin sitt sina också bara mycket mer alla varje man när där här "
        "hur vad vilken vilket min mitt mina din ditt dina dig mig sig eftersom"
    ),
    "da": (
        "og eller men ikke er var være bliver blev har havde kan kunne skal skulle må får i på af for med til fra om "
        "under over uden mellem gennem ved efter før som at det den de en et denne dette disse vi du jeg han hun "
        "hans hendes deres vores sin sit sine også kun meget mere alle hver man når hvor her hvordan hvad hvilken "
        "nogle gør sig os min mit mine din dit dine dig mig fordi"
    ),
    "no": (
        "og eller men ikke er var være blir ble har hadde kan kunne skal skulle må får i på av for med til fra om "
        "under over uten mellom gjennom ved etter før som at det den de en et ei denne dette disse vi dere du jeg "
        "han hun hans hennes deres vår vårt våre sin sitt sine også bare kun mye mer alle hver man når hvor her "
        "hvordan hva hvilken noen gjør seg oss min mitt mine din ditt dine deg meg fordi å"
    ),
    "fi": (
        "ja tai mutta ei on ovat oli olla voi voivat täytyy myös vain hyvin enemmän kaikki jokainen joka jotka "
        "joita mikä mitä kun jos että se ne tämä nämä tätä tämän sen niiden hän he me te minä sinä meidän teidän "
        "heidän sekä kanssa ilman jälkeen ennen aikana kautta mukaan avulla välillä kuin niin jo vielä eikä siis"
    ),
    "ro": (
        "și şi sau dar nu este sunt era fi fost are au poate pot trebuie de din la în pe cu fără pentru prin între "
        "despre după înainte sub peste care ce cine când unde cum că dacă să se îl o un unei unui al ale ai lui ei "
        "lor nostru noastră acest această aceste acești doar foarte mai toate toți fiecare"
    ),
    "hu": (
        "a az egy és vagy de nem is van vannak volt lesz lehet kell hogy mint ha amikor ahol amely amelyek ami aki "
        "ez azt ezt ezek azok meg már még csak nagyon több minden saját által számára között után előtt alatt "
        "felett nélkül szerint való én te ő mi ti ők pedig valamint illetve"
    ),
}

# Word endings (inflections and derivational suffixes) typical of each language: the agglutinative ones
# (Finnish, Hungarian, Turkish) and the Slavic ones say little with function words alone. A word counts
# for an ending only when it is at least two letters longer than the ending.
LATIN_ENDINGS: dict[str, str] = {
    "en": "ing ings ed ly tion tions ion ions ness ment ments able ible ful less ity ive ize ized izes ship ers",
    "de": "ung ungen keit heit lich lichen schaft chen isch ische ieren iert",
    "fr": "tion tions ment ments eur eurs eux euse ique iques ées aire ité",
    "es": "ción ciones mente dad dades ado ados ada adas ando iendo",
    "pt": "ção ções mente dade dades ado ados ada adas ando endo ões",
    "it": "zione zioni mente ità ato ati ata ate ando endo",
    "nl": "heid lijk lijke tje tjes baar",
    "pl": "ów ych ami ach ego ość ości ować cji cja nie ają uje",
    "tr": "ları leri ında inde ını ini ması mesi ılır ilir dır",
    "id": "nya kan kannya",
    "cs": "ých ého ími ový ová ové ost osti ení ání",
    "sv": "erna arna orna ande ning ningar het lig liga",
    "da": "erne ende hed lig lige ning",
    "no": "ene ende het lig lige ning",
    "fi": "ssa ssä sta stä lla llä lta ltä lle ksi isen iset mme nne ään aan aa ää kin kaan kään ista istä",
    "ro": "ului ilor ție ții ează ește",
    "hu": "ban ben nak nek ból ből hoz hez ság ség ként val vel",
}

# The Vietnamese letters with a tone mark and a vowel mark (U+1EA0-U+1EF9), which no other language here uses.
_VIETNAMESE_TONES = "".join(chr(c) for c in range(0x1EA0, 0x1EFA))
LATIN_LETTERS: dict[str, str] = {
    "de": "äöüß",
    "fr": "éèêëàâçùûîïôœ",
    "es": "ñáéíóú¿¡",
    "pt": "ãõçáâêôàéíóú",
    "it": "àèéìòù",
    "pl": "ąćęłńóśźż",
    "tr": "çğıöşü",
    "vi": "ăâđêôơư" + _VIETNAMESE_TONES,
    "cs": "áčďéěíňóřšťúůýž",
    "sv": "åäö",
    "da": "æøå",
    "no": "æøå",
    "fi": "äö",
    "ro": "ăâîșțşţ",
    "hu": "áéíóöőúüű",
}

# Scripts shared by several languages: the first language of each is the one a sentence with no
# distinctive letter or word is taken to be (the most widely written one).
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "cyrillic": ("ru", "uk", "bg", "sr", "mk", "be", "kk"),
    "arabic": ("ar", "fa", "ur"),
}
SCRIPT_WORDS: dict[str, str] = {
    "ru": (
        "и в на не что с для это по как из от к или который которая которые также можно быть мы вы он она они его "
        "её их все при так уже только если чтобы был была было этот эта эти"
    ),
    "uk": (
        "і в на не що з для це по як від до або який яка які також може можна бути ми ви він вона вони його її їх всі "
        "при так вже тільки якщо щоб був була було цей ця ці"
    ),
    "bg": (
        "и в на не че с за това по как от към или който която които също може да бъде ние вие той тя те всички при "
        "така вече само ако е са ще със"
    ),
    "sr": "и у на не што са за ово по како од до или који која које такође може бити ми ви он она они све при тако већ само ако да је су",
    "mk": "и во на не што со за ова по како од до или кој која кои исто може да биде ние вие тој таа тие сите при така веќе само ако е се ги му",
    "be": "і ў на не што з для гэта па як ад да або які якая якія таксама можна быць мы вы ён яна яны усе пры так ужо толькі калі каб",
    "kk": "және мен бұл үшін бар жоқ болып болады деген сияқты бойынша арқылы немесе да де ол олар біз сіз",
    "ar": "في من على إلى عن أن هذا هذه التي الذي مع أو لا ما هو هي كان يمكن",
    "fa": "و در به از که این را با است برای یک آن می شود هم تا یا ها",
    "ur": "اور کے کی کا میں ہے ہیں سے کو یہ کہ پر بھی",
}
SCRIPT_LETTERS: dict[str, str] = {
    "ru": "ыэё",
    "be": "ўыэёі",
    "uk": "єїґі",
    "bg": "ъ",
    "sr": "ђћџљњј",
    "mk": "ѓќѕџљњј",
    "kk": "әғқңөұүһі",
    "ar": "ةيك",  # ta marbuta, and the Arabic forms of yeh and kaf (Persian and Urdu write ی and ک)
    "fa": "پچژگکی",
    "ur": "ٹڈڑںےہ",  # Urdu shares Persian's letters too; these it does not
}
