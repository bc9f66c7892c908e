# language: nl
Functionaliteit: De zes maanden ontzorging kunnen niet korter
  Artikel 56a van de Participatiewet zegt: de gemeente ontzorgt een statushouder zes maanden lang,
  te beginnen op de dag dat het recht op bijstand ingaat. In het Plan Inburgering en Participatie
  (PIP) kan de gemeente een langere periode afspreken, maar nooit een kortere.
  De ontzorging loopt daarom tot de laatste van twee data: het einde van de zes maanden en het
  einde dat in het PIP staat.

  Achtergrond:
    Gegeven de gemeente Rotterdam met het standaardbeleid

  Regel: De zes maanden tellen vanaf de dag dat de bijstand ingaat

    Abstract Scenario: Het einde van de zes maanden hangt af van de eerste dag bijstand
      Gegeven een alleenstaande nieuwkomer met bijstand vanaf <eerste dag bijstand>
      Dan loopt de ontzorging tot en met <laatste dag>

      Voorbeelden:
        | eerste dag bijstand | laatste dag      |
        | 1 januari 2026      | 30 juni 2026     |
        | 17 januari 2026     | 16 juli 2026     |
        | 1 maart 2026        | 31 augustus 2026 |
        | 1 september 2026    | 28 februari 2027 |

  Regel: Het PIP kan de ontzorging verlengen, maar niet verkorten

    Achtergrond:
      Gegeven een alleenstaande nieuwkomer met bijstand vanaf 1 januari 2026

    Scenario: Een PIP-afspraak van vier maanden verkort de zes maanden niet
      Als de coach in het PIP afspreekt dat de ontzorging op 30 april 2026 eindigt
      Dan loopt de ontzorging nog steeds tot en met 30 juni 2026

    Scenario: Een PIP-afspraak na de zes maanden verlengt de ontzorging
      Als de coach in het PIP afspreekt dat de ontzorging op 30 september 2026 eindigt
      Dan loopt de ontzorging tot en met 30 september 2026

  Regel: Binnen de zes maanden kan de gemeente de ontzorging niet beëindigen

    Achtergrond:
      Gegeven een alleenstaande nieuwkomer met bijstand vanaf 1 januari 2026

    Scenario: Beëindigen per 31 maart 2026 wordt geweigerd en er verandert niets
      Als de gemeente de ontzorging per 31 maart 2026 wil beëindigen
      Dan wordt dat geweigerd, omdat de zes maanden pas op 30 juni 2026 voorbij zijn
      En loopt de ontzorging nog steeds tot en met 30 juni 2026
      En is de ontzorging niet beëindigd

    Abstract Scenario: Beëindigen kan vanaf de laatste dag van de zes maanden
      Als de gemeente de ontzorging per <einddatum> wil beëindigen
      Dan wordt het beëindigen per <einddatum> <uitkomst>

      Voorbeelden:
        | einddatum        | uitkomst   |
        | 1 januari 2026   | geweigerd  |
        | 31 maart 2026    | geweigerd  |
        | 29 juni 2026     | geweigerd  |
        | 30 juni 2026     | toegestaan |
        | 31 augustus 2026 | toegestaan |
