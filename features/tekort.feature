# language: nl
Functionaliteit: Als de bijstand niet genoeg is, gaat het minimum leefgeld voor
  Soms is er te weinig geld voor alle vaste lasten, bijvoorbeeld na een maatregel die de bijstand
  verlaagt. Dan houdt de gemeente eerst het minimum leefgeld vast, zodat de nieuwkomer boodschappen
  kan doen: € 200,00 per maand voor een alleenstaande. Met wat overblijft betaalt de gemeente de vaste
  lasten in deze volgorde: eerst de zorgverzekering, dan de huur, dan energie en dan water.
  Wat niet betaald kan worden, wordt een achterstand op die vaste last. De budgetcoach krijgt
  daarover een signaal. Een coach kan voor een huishouden een ander minimum leefgeld besluiten.

  Achtergrond:
    Gegeven de gemeente Rotterdam met het standaardbeleid
    En een alleenstaande nieuwkomer met bijstand vanaf 1 januari 2026 en deze vaste lasten per maand, te betalen op de 1e van de maand:
      | vaste last      | bedrag   |
      | huur            | € 650,00 |
      | zorgverzekering | € 159,00 |
      | energie         | € 120,00 |
      | water           | € 25,00  |

  Scenario: Na een maatregel die de bijstand verlaagt, is er te weinig voor energie en water
    Gegeven de bijstand voor maart 2026 van € 1.120,00 is binnengekomen op 24 februari 2026
    Als de gemeente maart 2026 verdeelt op 24 februari 2026
    Dan is er € 1.064,00 verdeeld
    En is het leefgeld € 200,00
    En is de verdeling per vaste last:
      | vaste last      | opzij gezet | achterstand |
      | zorgverzekering | € 159,00    | € 0,00      |
      | huur            | € 650,00    | € 0,00      |
      | energie         | € 55,00     | € 65,00     |
      | water           | € 0,00      | € 25,00     |
    En staat dat geld apart op de reservering van elke vaste last
    En staat er in totaal € 90,00 als achterstand in de boeken
    En krijgt de coach een signaal over de achterstand op energie en water

  Scenario: Na een besluit van de coach gaan de vaste lasten voor het leefgeld
    Gegeven de coach heeft op 20 februari 2026 besloten dat het minimum leefgeld voor dit huishouden € 0,00 is, met als reden "Leefgeld komt tijdelijk van de voedselbank; huur en energie gaan voor"
    En de bijstand voor maart 2026 van € 1.120,00 is binnengekomen op 24 februari 2026
    Als de gemeente maart 2026 verdeelt op 24 februari 2026
    Dan is de verdeling per vaste last:
      | vaste last      | opzij gezet | achterstand |
      | zorgverzekering | € 159,00    | € 0,00      |
      | huur            | € 650,00    | € 0,00      |
      | energie         | € 120,00    | € 0,00      |
      | water           | € 25,00     | € 0,00      |
    En is het leefgeld € 110,00
    En is er geen achterstand
    En krijgt de coach geen signaal over een achterstand

  Abstract Scenario: Hoe lager de bijstand, hoe groter de achterstand
    Gegeven de bijstand voor maart 2026 van <bijstand> is binnengekomen op 24 februari 2026
    Als de gemeente maart 2026 verdeelt op 24 februari 2026
    Dan is er <te verdelen> verdeeld
    En is er in totaal <opzij gezet> opzij gezet voor de vaste lasten
    En is het leefgeld <leefgeld>
    En staat er in totaal <achterstand> als achterstand in de boeken

    Voorbeelden:
      | bijstand   | te verdelen | opzij gezet | leefgeld | achterstand |
      | € 1.369,06 | € 1.300,61  | € 954,00    | € 346,61 | € 0,00      |
      | € 1.120,00 | € 1.064,00  | € 864,00    | € 200,00 | € 90,00     |
      | € 1.000,00 | € 950,00    | € 750,00    | € 200,00 | € 204,00    |
      | € 150,00   | € 142,50    | € 0,00      | € 142,50 | € 954,00    |
