# language: nl
Functionaliteit: Na een terugval zet de coach een huishouden een fase terug
  Soms gaat het na een stap toch mis: er ontstaat een achterstand, of een betaling komt terug.
  Dan kan de budgetcoach het huishouden één fase terugzetten. De coach legt vast waarom en vanaf
  welke datum. Vanaf die datum houdt de gemeente weer in wat bij die fase hoort. Een terugval is
  altijd precies één fase; verder terug of een fase overslaan kan niet.

  Achtergrond:
    Gegeven de gemeente Rotterdam met het standaardbeleid
    En een alleenstaande nieuwkomer met bijstand vanaf 1 januari 2026 en deze vaste lasten per maand, te betalen op de 1e van de maand:
      | vaste last      | bedrag   |
      | huur            | € 650,00 |
      | zorgverzekering | € 159,00 |
      | energie         | € 120,00 |
      | water           | € 25,00  |
    En het huishouden zit vanaf 1 augustus 2026 in fase 2

  Scenario: Na een huurachterstand gaat het huishouden terug naar fase 1
    Als de coach op 12 oktober 2026 een terugval naar fase 1 vastlegt met ingang van 1 november 2026, met als reden "huurachterstand"
    Dan zit het huishouden op 31 oktober 2026 nog in fase 2
    En zit het huishouden vanaf 1 november 2026 in fase 1
    En krijgt de coach een signaal "terugval"

  Scenario: Na de terugval worden weer alle vaste lasten ingehouden
    Gegeven de coach heeft op 12 oktober 2026 een terugval naar fase 1 vastgelegd met ingang van 1 november 2026, met als reden "huurachterstand"
    En de bijstand voor november 2026 van € 1.369,06 is binnengekomen op 24 oktober 2026
    Als de gemeente november 2026 verdeelt op 24 oktober 2026
    Dan is de verdeling per vaste last:
      | vaste last      | opzij gezet | achterstand |
      | zorgverzekering | € 159,00    | € 0,00      |
      | huur            | € 650,00    | € 0,00      |
      | energie         | € 120,00    | € 0,00      |
      | water           | € 25,00     | € 0,00      |
    En is het leefgeld € 346,61

  Abstract Scenario: Een terugval vanuit fase 2 naar fase <gevraagde fase> wordt geweigerd
    Als de coach op 12 oktober 2026 een terugval naar fase <gevraagde fase> vastlegt met ingang van 1 november 2026, met als reden "huurachterstand"
    Dan wordt dat geweigerd, omdat een terugval precies één fase terug is
    En zit het huishouden vanaf 1 november 2026 nog in fase 2
    En krijgt de coach geen signaal "terugval"

    Voorbeelden:
      | gevraagde fase |
      | 0              |
      | 2              |
      | 3              |

  Scenario: Een terugval zonder reden wordt geweigerd
    Als de coach op 12 oktober 2026 een terugval naar fase 1 vastlegt met ingang van 1 november 2026, zonder reden
    Dan wordt dat geweigerd, omdat een besluit over een fase een reden nodig heeft
    En zit het huishouden vanaf 1 november 2026 nog in fase 2

  Scenario: Vanuit fase 3 kan een terugval niet in één keer naar fase 1
    Gegeven de bijstand van € 1.369,06 is voor augustus 2026 tot en met oktober 2026 elke maand ontvangen en verdeeld
    En de coach heeft op 15 oktober 2026 de mijlpaal "Eigen betaalrekening met eigen automatische incasso's" vastgelegd
    En de coach heeft het voorstel op 20 oktober 2026 goedgekeurd met ingang van 1 november 2026, met als reden "Drie maanden zonder achterstand en een eigen rekening"
    Als de coach op 12 november 2026 een terugval naar fase 1 vastlegt met ingang van 1 december 2026, met als reden "huurachterstand"
    Dan wordt dat geweigerd, omdat een terugval precies één fase terug is
    En zit het huishouden vanaf 1 december 2026 nog in fase 3
    Als de coach op 12 november 2026 een terugval naar fase 2 vastlegt met ingang van 1 december 2026, met als reden "huurachterstand"
    Dan zit het huishouden vanaf 1 december 2026 in fase 2
