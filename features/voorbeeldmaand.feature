# language: nl
Functionaliteit: De voorbeeldmaand: van bijstand naar vaste lasten en leefgeld
  Elke maand komt de bijstand binnen op de rekening die de gemeente voor het huishouden beheert.
  Van de bijstand gaat eerst 5% opzij als vakantietoeslag; die wordt in juni uitbetaald.
  De rest wordt verdeeld: eerst gaat er geld opzij voor elke vaste last die de gemeente inhoudt,
  in de volgorde zorgverzekering, huur, energie, water. Wat overblijft is leefgeld voor de
  nieuwkomer. Zo weet de nieuwkomer precies waar het geld is gebleven.

  Achtergrond:
    Gegeven de gemeente Rotterdam met het standaardbeleid
    En een alleenstaande nieuwkomer met bijstand vanaf 1 januari 2026 en deze vaste lasten per maand, te betalen op de 1e van de maand:
      | vaste last      | bedrag   |
      | huur            | € 650,00 |
      | zorgverzekering | € 159,00 |
      | energie         | € 120,00 |
      | water           | € 25,00  |

  Scenario: Van de bijstandsnorm gaat 5% opzij als vakantietoeslag
    Als de bijstand voor januari 2026 van € 1.369,06 binnenkomt op 24 december 2025
    Dan gaat er € 68,45 opzij als vakantietoeslag
    En is er € 1.300,61 te verdelen

  Scenario: Na de vaste lasten blijft € 346,61 leefgeld over
    Gegeven de bijstand voor januari 2026 van € 1.369,06 is binnengekomen op 24 december 2025
    Als de gemeente januari 2026 verdeelt op 24 december 2025
    Dan is de verdeling per vaste last:
      | vaste last      | opzij gezet | achterstand |
      | zorgverzekering | € 159,00    | € 0,00      |
      | huur            | € 650,00    | € 0,00      |
      | energie         | € 120,00    | € 0,00      |
      | water           | € 25,00     | € 0,00      |
    En staat dat geld apart op de reservering van elke vaste last
    En is er in totaal € 954,00 opzij gezet voor de vaste lasten
    En is het leefgeld € 346,61
    En is er geen achterstand
    En is alle bijstand van de maand verdeeld
    En staat er € 68,45 gereserveerd als vakantietoeslag

  Scenario: In fase 1 krijgt de nieuwkomer het leefgeld per week, elke maandag
    Gegeven de bijstand voor januari 2026 van € 1.369,06 is binnengekomen op 24 december 2025
    Als de gemeente januari 2026 verdeelt op 24 december 2025
    Dan wordt het leefgeld in deze delen betaald:
      | datum           | bedrag  |
      | 5 januari 2026  | € 86,66 |
      | 12 januari 2026 | € 86,65 |
      | 19 januari 2026 | € 86,65 |
      | 26 januari 2026 | € 86,65 |

  Scenario: Een maand twee keer verdelen zet het geld maar één keer opzij
    Gegeven de bijstand voor januari 2026 van € 1.369,06 is binnengekomen op 24 december 2025
    En de gemeente heeft januari 2026 verdeeld op 24 december 2025
    Als de gemeente januari 2026 verdeelt op 29 december 2025
    Dan is het leefgeld € 346,61
    En is er in totaal € 954,00 opzij gezet voor de vaste lasten
    En staat er op de reserveringen:
      | vaste last      | saldo    |
      | zorgverzekering | € 159,00 |
      | huur            | € 650,00 |
      | energie         | € 120,00 |
      | water           | € 25,00  |
