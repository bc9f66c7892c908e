# language: nl
Functionaliteit: Wie halverwege de maand begint, krijgt een naar rato eerste maand
  Er is geen landelijke regel voor een eerste maand die halverwege begint. Rotterdam rekent naar
  rato van de kalenderdagen: de bijstand van de eerste maand is de norm maal het aantal dagen met
  recht op bijstand, gedeeld door het aantal dagen van de maand. Het bedrag wordt afgerond op hele
  centen; een halve cent wordt naar boven afgerond. Het minimum leefgeld gaat op dezelfde manier
  naar rato.

  Een huishouden dat op 17 januari 2026 begint, heeft in januari (31 dagen) 15 dagen recht:
  - bijstand: € 1.369,06 × 15 / 31 = € 662,448… en dat wordt € 662,45
  - vakantietoeslag: 5% van € 662,45 = € 33,1225 en dat wordt € 33,12
  - te verdelen: € 662,45 − € 33,12 = € 629,33
  - minimum leefgeld: € 200,00 × 15 / 31 = € 96,774… en dat wordt € 96,77
  De vaste lasten van januari moeten in dit voorbeeld wel helemaal betaald worden. Daardoor is de
  eerste maand krap: na het minimum leefgeld en de zorgverzekering is er nog € 373,56 voor de huur.

  Achtergrond:
    Gegeven de gemeente Rotterdam met het standaardbeleid

  Regel: De bijstand van de eerste maand telt alleen de dagen met recht op bijstand

    Achtergrond:
      Gegeven een alleenstaande nieuwkomer met bijstand vanaf 17 januari 2026 en deze vaste lasten per maand, te betalen op de 1e van de maand:
        | vaste last      | bedrag   |
        | huur            | € 650,00 |
        | zorgverzekering | € 159,00 |
        | energie         | € 120,00 |
        | water           | € 25,00  |

    Scenario: De bijstand van januari is 15 van de 31 dagen van de norm
      Als de bijstand voor januari 2026 binnenkomt op 28 januari 2026, berekend op een norm van € 1.369,06 per maand
      Dan is de bijstand voor januari 2026 € 662,45
      En gaat er € 33,12 opzij als vakantietoeslag
      En is er € 629,33 te verdelen

    Scenario: Het minimum leefgeld van januari is ook naar rato
      Gegeven de bijstand voor januari 2026 is binnengekomen op 28 januari 2026, berekend op een norm van € 1.369,06 per maand
      Als de gemeente januari 2026 verdeelt op 28 januari 2026
      Dan is het minimum leefgeld voor januari 2026 € 96,77
      En is er € 629,33 verdeeld
      En is het leefgeld € 96,77
      En is de verdeling per vaste last:
        | vaste last      | opzij gezet | achterstand |
        | zorgverzekering | € 159,00    | € 0,00      |
        | huur            | € 373,56    | € 276,44    |
        | energie         | € 0,00      | € 120,00    |
        | water           | € 0,00      | € 25,00     |
      En staat er in totaal € 421,44 als achterstand in de boeken
      En krijgt de coach een signaal over de achterstand op huur, energie en water

  Regel: Alleen een volle maand geeft de volle norm

    Abstract Scenario: Eerste maand vanaf <eerste dag bijstand>: <dagen met recht> van de <dagen in de maand> dagen
      Gegeven een alleenstaande nieuwkomer met bijstand vanaf <eerste dag bijstand>
      En de bijstand voor <maand> is binnengekomen op <ontvangen op>, berekend op een norm van € 1.369,06 per maand
      Als de gemeente <maand> verdeelt op <ontvangen op>
      Dan is de bijstand voor <maand> <bijstand>
      En gaat er <vakantietoeslag> opzij als vakantietoeslag
      En is er <te verdelen> verdeeld
      En is het minimum leefgeld voor <maand> <minimum leefgeld>

      Voorbeelden:
        | eerste dag bijstand | maand         | ontvangen op     | dagen met recht | dagen in de maand | bijstand   | vakantietoeslag | te verdelen | minimum leefgeld |
        | 1 januari 2026      | januari 2026  | 24 december 2025 | 31              | 31                | € 1.369,06 | € 68,45         | € 1.300,61  | € 200,00         |
        | 17 januari 2026     | januari 2026  | 28 januari 2026  | 15              | 31                | € 662,45   | € 33,12         | € 629,33    | € 96,77          |
        | 31 januari 2026     | januari 2026  | 31 januari 2026  | 1               | 31                | € 44,16    | € 2,21          | € 41,95     | € 6,45           |
        | 15 februari 2026    | februari 2026 | 20 februari 2026 | 14              | 28                | € 684,53   | € 34,23         | € 650,30    | € 100,00         |
