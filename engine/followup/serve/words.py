"""The page's words in English, Danish, Swedish and Norwegian (bokmål), and its dates.

Only the page is translated here: labels, headings, buttons, the schema's error messages
and the names of days and months. The advice itself is rendered by the engine in the
languages it has (``followup.api.LANGUAGES``); the page says so when that is not the page's.
"""

from __future__ import annotations

from datetime import date

PAGE_LANGUAGES = ("en", "da", "sv", "nb")
#: What a browser may send for Norwegian: bokmål, nynorsk (closest written form we have) and plain "no".
ALIASES = {"no": "nb", "nn": "nb", "nb": "nb", "da": "da", "sv": "sv", "en": "en"}
NAMES = {"en": "English", "da": "Dansk", "sv": "Svenska", "nb": "Norsk (bokmål)"}

_W: dict[str, tuple[str, str, str, str]] = {
    # key: (en, da, sv, nb)
    "agenda_title": ("All your applications", "Alle dine ansøgninger", "Alla dina ansökningar", "Alle søknadene dine"),
    "agenda_intro": ("Paste your situation files (YAML or JSON) one after another, each starting with a line "
                     "'---', to see what is due first across them all.",
                     "Indsæt dine situationsfiler (YAML eller JSON) efter hinanden, hver begyndende med en linje "
                     "'---', og se, hvad der forfalder først på tværs af dem alle.",
                     "Klistra in dina situationsfiler (YAML eller JSON) efter varandra, var och en med en rad "
                     "'---' först, och se vad som ska göras först i dem alla.",
                     "Lim inn situasjonsfilene dine (YAML eller JSON) etter hverandre, hver med en linje '---' "
                     "først, og se hva som haster mest på tvers av dem alle."),
    "agenda_files": ("Situation files", "Situationsfiler", "Situationsfiler", "Situasjonsfiler"),
    "agenda_submit": ("Show the agenda", "Vis oversigten", "Visa översikten", "Vis oversikten"),
    "agenda_link": ("All your applications at once", "Alle dine ansøgninger på én gang",
                    "Alla dina ansökningar på en gång", "Alle søknadene dine på én gang"),
    "title": ("Follow up on a job application", "Følg op på en jobansøgning", "Följ upp en jobbansökan",
              "Følg opp en jobbsøknad"),
    "intro": ("Tell us where you are with the application, and get the advice of Danish, Swedish and Norwegian "
              "career articles: whether to follow up, when and how.",
              "Fortæl, hvor du er med ansøgningen, så får du rådene fra danske, svenske og norske karriereartikler: "
              "om du skal følge op, hvornår og hvordan.",
              "Berätta var du står med ansökan, så får du råden från danska, svenska och norska karriärartiklar: "
              "om du ska följa upp, när och hur.",
              "Fortell hvor du står med søknaden, så får du rådene fra danske, svenske og norske karriereartikler: "
              "om du bør følge opp, når og hvordan."),
    "privacy": ("This server keeps nothing you type.", "Serveren gemmer intet af det, du skriver.",
                "Servern sparar inget av det du skriver.", "Serveren lagrer ingenting av det du skriver."),
    "privacy_logged": ("This server keeps a log of each decision, with the situation, so that it can be checked "
                       "later.",
                       "Serveren gemmer en log over hver afgørelse med situationen, så den kan efterprøves senere.",
                       "Servern sparar en logg över varje beslut, med situationen, så att det kan granskas i "
                       "efterhand.",
                       "Serveren lagrer en logg over hver avgjørelse, med situasjonen, slik at den kan etterprøves "
                       "senere."),
    "language": ("Language", "Sprog", "Språk", "Språk"),
    "basics": ("The application", "Ansøgningen", "Ansökan", "Søknaden"),
    "contact": ("The contact person", "Kontaktpersonen", "Kontaktpersonen", "Kontaktpersonen"),
    "posting": ("What the job posting says", "Hvad jobopslaget siger", "Vad platsannonsen säger",
                "Hva stillingsannonsen sier"),
    "interviews": ("Interview rounds", "Jobsamtaler", "Intervjuomgångar", "Intervjurunder"),
    "interviews.hint": ("One row for each interview, the first one first.",
                        "Én række for hver samtale, den første først.",
                        "En rad för varje intervju, den första först.",
                        "Én rad for hvert intervju, det første først."),
    "follow_ups": ("Follow-ups so far", "Opfølgninger indtil nu", "Uppföljningar hittills", "Oppfølginger så langt"),
    "paste": ("Or paste a situation file (YAML or JSON)", "Eller indsæt en situationsfil (YAML eller JSON)",
              "Eller klistra in en situationsfil (YAML eller JSON)", "Eller lim inn en situasjonsfil (YAML eller JSON)"),
    "paste_hint": ("When this box is filled in, it is used instead of the fields above.",
                   "Når feltet er udfyldt, bruges det i stedet for felterne ovenfor.",
                   "När rutan är ifylld används den i stället för fälten ovan.",
                   "Når feltet er fylt ut, brukes det i stedet for feltene over."),
    "advise": ("Get advice", "Få råd", "Få råd", "Få råd"),
    "follow_ups.add": ("Add a follow-up", "Tilføj en opfølgning", "Lägg till en uppföljning",
                       "Legg til en oppfølging"),
    "interviews.add": ("Add an interview round", "Tilføj en samtale", "Lägg till en intervjuomgång",
                       "Legg til en intervjurunde"),
    "copy": ("Copy the draft", "Kopiér udkastet", "Kopiera utkastet", "Kopier utkastet"),
    "copied": ("Copied", "Kopieret", "Kopierat", "Kopiert"),
    "calendar": ("Add to calendar (.ics)", "Føj til kalenderen (.ics)", "Lägg till i kalendern (.ics)",
                 "Legg til i kalenderen (.ics)"),
    "download": ("Download the situation as YAML (for the command line)",
                 "Hent situationen som YAML (til kommandolinjen)",
                 "Ladda ner situationen som YAML (för kommandoraden)",
                 "Last ned situasjonen som YAML (for kommandolinjen)"),
    "again": ("Change the situation", "Ret situationen", "Ändra situationen", "Endre situasjonen"),
    "verdict": ("The advice", "Rådet", "Rådet", "Rådet"),
    "assumptions": ("What it assumed", "Hvad rådet forudsætter", "Vad rådet förutsätter", "Hva rådet forutsetter"),
    "window": ("When", "Hvornår", "När", "Når"),
    "from_to": ("From {a} to {b}", "Fra {a} til {b}", "Från {a} till {b}", "Fra {a} til {b}"),
    "from": ("From {a}", "Fra {a}", "Från {a}", "Fra {a}"),
    "channel": ("How", "Hvordan", "Hur", "Hvordan"),
    "draft": ("A draft", "Et udkast", "Ett utkast", "Et utkast"),
    "plan": ("The plan", "Planen", "Planen", "Planen"),
    "then": ("Then", "Derefter", "Sedan", "Deretter"),
    "say": ("What to say", "Hvad du kan sige", "Vad du kan säga", "Hva du kan si"),
    "avoid": ("What to avoid", "Hvad du skal undgå", "Vad du ska undvika", "Hva du bør unngå"),
    "cautions": ("Be careful", "Vær opmærksom på", "Tänk på", "Vær oppmerksom på"),
    "warnings": ("Warnings", "Advarsler", "Varningar", "Advarsler"),
    "rules": ("The rules that decided", "Reglerne, der afgjorde det", "Reglerna som avgjorde",
              "Reglene som avgjorde"),
    "all_rules": ("Every rule that applied", "Alle regler, der gjaldt", "Alla regler som gällde",
                  "Alle regler som gjaldt"),
    "source": ("Source", "Kilde", "Källa", "Kilde"),
    "why_not": ("Why not another channel", "Hvorfor ikke en anden kanal", "Varför inte en annan kanal",
                "Hvorfor ikke en annen kanal"),
    "decision": ("Decision", "Afgørelse", "Beslut", "Avgjørelse"),
    "ruleset": ("Ruleset", "Regelsæt", "Regeluppsättning", "Regelsett"),
    "english_note": ("", "Selve rådet er på engelsk.", "Själva rådet är på engelska.", "Selve rådet er på engelsk."),
    "errors_title": ("Please correct the fields marked below.", "Ret venligst de markerede felter nedenfor.",
                     "Rätta de markerade fälten nedan.", "Rett opp de markerte feltene nedenfor."),
    "error": ("Error", "Fejl", "Fel", "Feil"),
    "none": ("(not given)", "(ikke angivet)", "(inte angivet)", "(ikke oppgitt)"),
    "optional_note": ("Fill in what you know. Only the country and where you are in the process are required.",
                      "Udfyld det, du ved. Kun land og hvor langt du er i processen, skal udfyldes.",
                      "Fyll i det du vet. Bara land och var i processen du är måste fyllas i.",
                      "Fyll ut det du vet. Bare land og hvor langt du har kommet i prosessen, må fylles ut."),
    "follow_ups.row": ("Follow-up {n}", "Opfølgning {n}", "Uppföljning {n}", "Oppfølging {n}"),
    "interviews.row": ("Interview round {n}", "{n}. samtale", "Intervjuomgång {n}", "Intervjurunde {n}"),
    "rounds": ("Your interview rounds", "Dine jobsamtaler", "Dina intervjuomgångar", "Intervjurundene dine"),
    "rounds_note": ("The advice counts from the last round.", "Rådet regner fra den seneste samtale.",
                    "Rådet räknar från den senaste omgången.", "Rådet regner fra den siste runden."),
    # fields
    "country.label": ("Country", "Land", "Land", "Land"),
    "stage.label": ("Where you are in the process", "Hvor langt er du i processen?", "Var i processen är du?",
                    "Hvor langt har du kommet i prosessen?"),
    "today.label": ("The day to advise for (empty: today)", "Dato, rådet gælder for (tomt: i dag)",
                    "Datum som rådet gäller (tomt: i dag)", "Dato rådet gjelder for (tomt: i dag)"),
    "outcome.label": ("Outcome so far", "Resultat indtil nu", "Resultat hittills", "Resultat så langt"),
    "position.label": ("Job title", "Stillingsbetegnelse", "Tjänst", "Stillingstittel"),
    "employer.name.label": ("Employer", "Arbejdsgiver", "Arbetsgivare", "Arbeidsgiver"),
    "employer.size.label": ("Size of the employer", "Virksomhedens størrelse", "Arbetsgivarens storlek",
                            "Virksomhetens størrelse"),
    "applicant.name.label": ("Your name (to sign with)", "Dit navn (til underskriften)",
                             "Ditt namn (till underskriften)", "Navnet ditt (til signaturen)"),
    "application.sent_on.label": ("Applied on", "Ansøgt den", "Ansökan skickad den", "Søkte den"),
    "application.via.label": ("Applied through", "Ansøgt via", "Ansökan skickad via", "Søkte via"),
    "application.deadline.label": ("Application deadline", "Ansøgningsfrist", "Sista ansökningsdag", "Søknadsfrist"),
    "contact.name.label": ("Name", "Navn", "Namn", "Navn"),
    "contact.email.label": ("E-mail", "E-mail", "E-post", "E-post"),
    "contact.phone.label": ("Phone", "Telefon", "Telefon", "Telefon"),
    "contact.phone_kind.label": ("Kind of number", "Type nummer", "Typ av nummer", "Type nummer"),
    "contact.linkedin.label": ("You can message them on LinkedIn", "Du kan skrive til kontaktpersonen på LinkedIn",
                               "Du kan skriva till kontaktpersonen på LinkedIn",
                               "Du kan sende melding til kontaktpersonen på LinkedIn"),
    "contact.insider.label": ("You know someone who works there", "Du kender en, der arbejder der",
                              "Du känner någon som jobbar där", "Du kjenner noen som jobber der"),
    "contact.asked_for.label": ("They asked you to use", "Kontaktpersonen har bedt dig bruge",
                                "Kontaktpersonen har bett dig använda", "Kontaktpersonen har bedt deg bruke"),
    "posting.forbids_calls.label": ("Asks applicants not to call", "Beder ansøgere om ikke at ringe",
                                    "Ber sökande att inte ringa", "Ber søkere om ikke å ringe"),
    "posting.forbids_emails.label": ("Asks applicants not to e-mail", "Beder ansøgere om ikke at sende e-mails",
                                     "Ber sökande att inte mejla", "Ber søkere om ikke å sende e-post"),
    "posting.shortlisted_only.label": ("Only those who go on will be contacted",
                                       "Kun de ansøgere, der går videre, bliver kontaktet",
                                       "Endast de som går vidare kontaktas",
                                       "Bare de som går videre, blir kontaktet"),
    "posting.answer_expected_by.label": ("Answer expected by", "Svar forventes senest", "Svar väntas senast",
                                         "Svar ventes innen"),
    "interviews.date.label": ("Date", "Dato", "Datum", "Dato"),
    "interviews.time.label": ("Time (optional)", "Klokkeslæt (valgfrit)", "Klockslag (valfritt)",
                              "Klokkeslett (valgfritt)"),
    "interviews.format.label": ("How it was held", "Hvordan samtalen foregik", "Hur intervjun hölls",
                                "Hvordan intervjuet foregikk"),
    "interviews.invited_by.label": ("How they invited you", "Indkaldt via", "Kallad via", "Innkalt via"),
    "interviews.answer_promised_by.label": ("Answer promised by", "Svar lovet senest", "Svar utlovat senast",
                                            "Svar lovet innen"),
    "interviews.tone.label": ("How the interviewer came across", "Hvordan intervieweren virkede",
                              "Hur intervjuaren uppfattades", "Hvordan intervjueren virket"),
    "interviews.thanked.label": ("You have thanked them for it", "Du har takket for samtalen",
                                 "Du har tackat för intervjun", "Du har takket for intervjuet"),
    "feels_right.label": ("Following up feels right to you", "Det føles rigtigt for dig at følge op",
                          "Det känns rätt för dig att följa upp", "Det føles riktig for deg å følge opp"),
    "follow_ups.date.label": ("Date", "Dato", "Datum", "Dato"),
    "follow_ups.via.label": ("Channel", "Kanal", "Kanal", "Kanal"),
    "follow_ups.answered.label": ("Answered", "Besvaret", "Besvarad", "Besvart"),
    "situation.label": ("Situation file", "Situationsfil", "Situationsfil", "Situasjonsfil"),
    # options
    "stage.considering": ("Not applied yet", "Har ikke søgt endnu", "Har inte sökt än", "Har ikke søkt ennå"),
    "stage.applied": ("Applied", "Har søgt", "Har sökt", "Har søkt"),
    "stage.interviewed": ("Been to an interview", "Har været til samtale", "Har varit på intervju",
                          "Har vært på intervju"),
    "country.DK": ("Denmark", "Danmark", "Danmark", "Danmark"),
    "country.SE": ("Sweden", "Sverige", "Sverige", "Sverige"),
    "country.NO": ("Norway", "Norge", "Norge", "Norge"),
    "outcome.pending": ("Waiting to hear", "Venter på svar", "Väntar på svar", "Venter på svar"),
    "outcome.rejected": ("Turned down", "Fået afslag", "Fått avslag", "Fått avslag"),
    "outcome.hired": ("Hired", "Ansat", "Anställd", "Ansatt"),
    "size.small": ("Small", "Lille", "Liten", "Liten"),
    "size.medium": ("Medium", "Mellemstor", "Medelstor", "Mellomstor"),
    "size.large": ("Large", "Stor", "Stor", "Stor"),
    "via.online_portal": ("The employer's online form", "Virksomhedens ansøgningssystem",
                          "Arbetsgivarens ansökningssystem", "Arbeidsgiverens søknadssystem"),
    "via.job_board": ("A job board", "En jobportal", "En jobbsajt", "En jobbportal"),
    "via.post": ("By post", "Med posten", "Med posten", "Per post"),
    "via.email": ("By e-mail", "Pr. e-mail", "Per e-post", "Per e-post"),
    "via.in_person": ("Handed in in person", "Afleveret personligt", "Lämnad personligen", "Levert personlig"),
    "channel.email": ("E-mail", "E-mail", "E-post", "E-post"),
    "channel.phone": ("Phone", "Telefon", "Telefon", "Telefon"),
    "channel.linkedin": ("LinkedIn", "LinkedIn", "LinkedIn", "LinkedIn"),
    "channel.in_person": ("In person", "Personligt fremmøde", "Personligen", "Personlig oppmøte"),
    "channel.letter": ("Letter", "Brev", "Brev", "Brev"),
    "channel.insider": ("Through someone you know there", "Gennem en, du kender i virksomheden",
                        "Via någon du känner där", "Gjennom noen du kjenner der"),
    "phone_kind.work": ("Work number", "Arbejdsnummer", "Jobbnummer", "Jobbnummer"),
    "phone_kind.main": ("Switchboard", "Hovednummer", "Växel", "Sentralbord"),
    "phone_kind.private": ("Private number", "Privatnummer", "Privat nummer", "Privat nummer"),
    "format.in_person": ("In person", "Ved fremmøde", "På plats", "Ved oppmøte"),
    "format.online": ("Online (video)", "Online (video)", "Digitalt (video)", "Digitalt (video)"),
    "format.phone": ("By phone", "Over telefonen", "Per telefon", "Over telefon"),
    "tone.warm": ("Warm", "Imødekommende", "Varm", "Imøtekommende"),
    "tone.neutral": ("Neutral", "Neutral", "Neutral", "Nøytral"),
    "tone.cold": ("Cold, vague or uninterested", "Kølig, vag eller uinteresseret", "Kylig, vag eller ointresserad",
                  "Kjølig, vag eller uinteressert"),
    # errors
    "err.required": ("Please fill this in.", "Udfyld venligst dette felt.", "Fyll i det här fältet.",
                     "Fyll ut dette feltet."),
    "err.date": ("Write a date, e.g. 2026-11-21.", "Skriv en dato, f.eks. 2026-11-21.",
                 "Skriv ett datum, t.ex. 2026-11-21.", "Skriv en dato, f.eks. 2026-11-21."),
    "err.no_such_day": ("There is no such day in the calendar: {value}.", "Den dag findes ikke i kalenderen: {value}.",
                        "Den dagen finns inte i kalendern: {value}.", "Den dagen finnes ikke i kalenderen: {value}."),
    "err.no_such_time": ("There is no such day or time: {value}.", "Den dag eller det klokkeslæt findes ikke: {value}.",
                         "Den dagen eller tiden finns inte: {value}.",
                         "Den dagen eller det klokkeslettet finnes ikke: {value}."),
    "err.email": ("This is not an e-mail address (name@example.com).", "Det er ikke en e-mailadresse (navn@eksempel.dk).",
                  "Det är inte en e-postadress (namn@exempel.se).", "Dette er ikke en e-postadresse (navn@eksempel.no)."),
    "err.phone": ("Write a phone number: digits, spaces and + ( ) . / - only.",
                  "Skriv et telefonnummer: kun cifre, mellemrum og + ( ) . / -.",
                  "Skriv ett telefonnummer: bara siffror, mellanslag och + ( ) . / -.",
                  "Skriv et telefonnummer: bare sifre, mellomrom og + ( ) . / -."),
    "err.enum": ("Choose one of the options.", "Vælg en af mulighederne.", "Välj ett av alternativen.",
                 "Velg ett av alternativene."),
    "err.too_long": ("Too long: at most {n} characters.", "For langt: højst {n} tegn.", "För långt: högst {n} tecken.",
                     "For langt: maks. {n} tegn."),
    "err.invalid": ("This value is not valid here.", "Værdien er ikke gyldig her.", "Värdet är inte giltigt här.",
                    "Verdien er ikke gyldig her."),
    "err.line": ("line {n}", "linje {n}", "rad {n}", "linje {n}"),
}

_WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "da": "mandag tirsdag onsdag torsdag fredag lørdag søndag",
    "sv": "måndag tisdag onsdag torsdag fredag lördag söndag",
    "nb": "mandag tirsdag onsdag torsdag fredag lørdag søndag",
}
_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "da": "januar februar marts april maj juni juli august september oktober november december",
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "nb": "januar februar mars april mai juni juli august september oktober november desember",
}
_DAY_FORMAT = {"en": "{w} {d} {m} {y}", "da": "{w} den {d}. {m} {y}", "sv": "{w} {d} {m} {y}",
               "nb": "{w} {d}. {m} {y}"}


def word(key: str, lang: str, **values: object) -> str:
    """The page's text ``key`` in ``lang`` (English where a text has no translation)."""
    texts = _W[key]
    text = texts[PAGE_LANGUAGES.index(lang)] or texts[0]
    return text.format(**values) if values else text


def has(key: str) -> bool:
    return key in _W


def day_words(day: date, lang: str) -> str:
    """``mandag den 23. november 2026``: a day with its weekday, as the language writes it."""
    return _DAY_FORMAT[lang].format(w=_WEEKDAYS[lang].split()[day.weekday()], d=day.day,
                                    m=_MONTHS[lang].split()[day.month - 1], y=day.year)


def pick_language(query: str | None, accept_language: str | None) -> str:
    """``?lang=`` if it is one of ours, else the best of the browser's Accept-Language, else English."""
    if query and ALIASES.get(query.lower()) in PAGE_LANGUAGES:
        return ALIASES[query.lower()]
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.split("-")[0].lower()
        if primary in ALIASES and quality > 0:
            ranked.append((-quality, index, ALIASES[primary]))
    return sorted(ranked)[0][2] if ranked else "en"
