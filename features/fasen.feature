# language: nl
Functionaliteit: Een stap naar meer eigen regie wordt voorgesteld als de mijlpalen gehaald zijn
  De nieuwkomer krijgt stap voor stap de regie over het eigen geld terug. In fase 1 houdt de
  gemeente alle afgesproken vaste lasten in. In fase 2 alleen nog de huur en de zorgverzekering;
  energie en water betaalt de nieuwkomer dan zelf.
  Naar fase 2 kan pas als de wettelijke zes maanden voorbij zijn en de nieuwkomer twee mijlpalen
  heeft gehaald: "Budgetcursus gevolgd" en "Toeslagen aangevraagd en ontvangen".
  Als alles gehaald is, stelt het systeem de stap voor. Een budgetcoach beslist, altijd met een
  reden. De stap gaat in op een datum die de coach kiest; tot die datum blijft alles zoals het was.

  Achtergrond:
    Gegeven de gemeente Rotterdam met het standaardbeleid
    En een alleenstaande nieuwkomer met bijstand vanaf 1 januari 2026 en deze vaste lasten per maand, te betalen op de 1e van de maand:
      | vaste last      | bedrag   |
      | huur            | € 650,00 |
      | zorgverzekering | € 159,00 |
      | energie         | € 120,00 |
      | water           | € 25,00  |

  Scenario: Binnen de zes maanden wordt geen stap voorgesteld, ook niet met alle mijlpalen
    Als de coach op 15 april 2026 de mijlpaal "Budgetcursus gevolgd" vastlegt
    En de coach op 20 april 2026 de mijlpaal "Toeslagen aangevraagd en ontvangen" vastlegt
    Dan stelt het systeem geen stap voor
    En staat voor fase 2 alleen nog open: de wettelijke zes maanden zijn voorbij
    En krijgt de coach geen signaal "stap voorgesteld"

  Abstract Scenario: Wat er nog open staat voor fase 2
    Gegeven de coach heeft deze mijlpalen vastgelegd op 15 april 2026: <gehaalde mijlpalen>
    Als het systeem op <beoordeeld op> beoordeelt of een stap mogelijk is
    Dan staat voor fase 2 nog open: <open>

    Voorbeelden:
      | gehaalde mijlpalen                                         | beoordeeld op | open                                                       |
      | geen                                                       | 1 juli 2026   | Budgetcursus gevolgd; Toeslagen aangevraagd en ontvangen   |
      | Budgetcursus gevolgd                                       | 1 juli 2026   | Toeslagen aangevraagd en ontvangen                         |
      | Budgetcursus gevolgd; Toeslagen aangevraagd en ontvangen   | 30 juni 2026  | de wettelijke zes maanden zijn voorbij                     |
      | Budgetcursus gevolgd; Toeslagen aangevraagd en ontvangen   | 1 juli 2026   | niets                                                      |

  Scenario: Na de zes maanden stelt het systeem de stap voor en beslist de coach
    Gegeven de coach heeft deze mijlpalen vastgelegd op 15 april 2026: Budgetcursus gevolgd; Toeslagen aangevraagd en ontvangen
    Als het systeem op 1 juli 2026 beoordeelt of een stap mogelijk is
    Dan stelt het systeem voor om van fase 1 naar fase 2 te gaan
    En krijgt de coach een signaal "stap voorgesteld"
    En zit het huishouden op 1 juli 2026 nog in fase 1
    Als de coach het voorstel op 3 juli 2026 goedkeurt met ingang van 1 augustus 2026, met als reden "Budgetcursus gehaald en de toeslagen komen binnen"
    Dan zit het huishouden op 31 juli 2026 nog in fase 1
    En zit het huishouden vanaf 1 augustus 2026 in fase 2
    En is er geen open voorstel meer

  Scenario: In fase 2 worden alleen de huur en de zorgverzekering nog ingehouden
    Gegeven het huishouden zit vanaf 1 augustus 2026 in fase 2
    En de bijstand voor augustus 2026 van € 1.369,06 is binnengekomen op 24 juli 2026
    Als de gemeente augustus 2026 verdeelt op 24 juli 2026
    Dan is de verdeling per vaste last:
      | vaste last      | opzij gezet | achterstand |
      | zorgverzekering | € 159,00    | € 0,00      |
      | huur            | € 650,00    | € 0,00      |
    En worden energie en water niet ingehouden
    En is het leefgeld € 491,61
    En wordt het leefgeld in deze delen betaald:
      | datum            | bedrag   |
      | 1 augustus 2026  | € 491,61 |

  Scenario: Goedkeuren zonder reden wordt geweigerd
    Gegeven de coach heeft deze mijlpalen vastgelegd op 15 april 2026: Budgetcursus gevolgd; Toeslagen aangevraagd en ontvangen
    En het systeem heeft op 1 juli 2026 beoordeeld of een stap mogelijk is
    Als de coach het voorstel op 3 juli 2026 goedkeurt met ingang van 1 augustus 2026, zonder reden
    Dan wordt dat geweigerd, omdat een besluit over een fase een reden nodig heeft
    En zit het huishouden op 1 augustus 2026 nog in fase 1
    En staat het voorstel om van fase 1 naar fase 2 te gaan nog open

  Scenario: Een coach kan niet in één keer twee fasen omhoog
    Gegeven de coach heeft deze mijlpalen vastgelegd op 15 april 2026: Budgetcursus gevolgd; Toeslagen aangevraagd en ontvangen
    Als de coach op 3 juli 2026 besluit het huishouden met ingang van 1 augustus 2026 van fase 1 naar fase 3 te zetten, met als reden "Gaat heel goed"
    Dan wordt dat geweigerd, omdat een huishouden maar één fase tegelijk omhoog kan
