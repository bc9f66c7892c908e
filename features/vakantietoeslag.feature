# language: nl
Functionaliteit: De vakantietoeslag wordt in juni uitbetaald
  Van elke maand bijstand gaat 5% opzij als vakantietoeslag. Bij een norm van € 1.369,06 is dat
  € 68,45 per maand. In juni betaalt de gemeente alles wat gespaard is in één keer uit, samen met
  het leefgeld van juni. Na januari tot en met juni is dat 6 × € 68,45 = € 410,70.

  Achtergrond:
    Gegeven de gemeente Rotterdam met het standaardbeleid
    En een alleenstaande nieuwkomer met bijstand vanaf 1 januari 2026 en deze vaste lasten per maand, te betalen op de 1e van de maand:
      | vaste last      | bedrag   |
      | huur            | € 650,00 |
      | zorgverzekering | € 159,00 |
      | energie         | € 120,00 |
      | water           | € 25,00  |
    En de bijstand van € 1.369,06 is voor januari 2026 tot en met mei 2026 elke maand ontvangen en verdeeld

  Scenario: Tot en met mei wordt de vakantietoeslag gespaard
    Dan is er met het leefgeld van mei 2026 geen vakantietoeslag uitbetaald
    En is het leefgeld van mei 2026 € 346,61
    En staat er € 342,25 gereserveerd als vakantietoeslag

  Scenario: In juni komt de vakantietoeslag van zes maanden bij het leefgeld
    Gegeven de bijstand voor juni 2026 van € 1.369,06 is binnengekomen op 24 mei 2026
    Als de gemeente juni 2026 verdeelt op 24 mei 2026
    Dan is er met het leefgeld van juni 2026 € 410,70 vakantietoeslag uitbetaald
    En is het leefgeld van juni 2026 € 757,31
    En staat er € 0,00 gereserveerd als vakantietoeslag
