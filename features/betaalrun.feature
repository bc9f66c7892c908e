# language: nl
Functionaliteit: De betaalrun betaalt de vaste lasten op tijd, en pas na goedkeuring door een tweede medewerker
  De gemeente betaalt de vaste lasten van de nieuwkomer vanaf haar eigen rekening bij de BNG Bank.
  Dat doet zij in een betaalrun. Een betaalrun kan alleen op een werkdag van het Europese
  betaalverkeer (TARGET2). Het weekend is geen werkdag, en ook Nieuwjaarsdag, Goede Vrijdag,
  Paasmaandag, 1 mei, Eerste en Tweede Kerstdag zijn dat niet.
  Moet een betaling binnen zijn op een dag zonder betaalverkeer? Dan gaat zij mee met de betaalrun
  van de werkdag daarvoor. Zo krijgt de schuldeiser het geld op tijd, en niet eerder dan nodig.
  Eén medewerker bereidt de betaalrun voor. Een andere medewerker keurt hem goed: dat heet het
  vier-ogenprincipe. Pas daarna gaat het geld naar de bank, en elke betaling maar één keer.

  Achtergrond:
    Gegeven de gemeente Rotterdam met het standaardbeleid
    En de gemeente betaalt vanaf haar rekening NL14 BNGH 0285 0012 34 bij de BNG Bank

  Regel: Een betaling die op een dag zonder betaalverkeer binnen moet zijn, gaat mee met de betaalrun van de werkdag daarvoor

    Scenario: De huur voor zaterdag 1 augustus 2026 gaat mee met de betaalrun van vrijdag 31 juli 2026
      Gegeven een alleenstaande nieuwkomer met bijstand vanaf 1 januari 2026 en deze vaste lasten per maand, te betalen op de 1e van de maand:
        | vaste last      | bedrag   |
        | huur            | € 650,00 |
        | zorgverzekering | € 159,00 |
        | energie         | € 120,00 |
        | water           | € 25,00  |
      En de bijstand voor augustus 2026 van € 1.369,06 is binnengekomen op 24 juli 2026
      En de gemeente heeft augustus 2026 verdeeld op 24 juli 2026
      Als Willem de Vries de betaalrun van donderdag 30 juli 2026 voorbereidt
      En Willem de Vries de betaalrun van vrijdag 31 juli 2026 voorbereidt
      En Willem de Vries de betaalrun van maandag 3 augustus 2026 voorbereidt
      Dan zit de huur niet in de betaalrun van donderdag 30 juli 2026
      Maar zit de huur van € 650,00 aan Woonstad Rotterdam voor zaterdag 1 augustus 2026 wel in de betaalrun van vrijdag 31 juli 2026
      En zit de huur niet in de betaalrun van maandag 3 augustus 2026
      En betaalt de betaalrun van maandag 3 augustus 2026 alleen het leefgeld van € 69,33 aan de nieuwkomer

    Abstract Scenario: Huur voor <vervaldag> (<soort dag>) gaat mee met de betaalrun van <betaaldag>
      Gegeven een alleenstaande nieuwkomer die € 650,00 huur per maand betaalt, voor het eerst op <vervaldag>, en vanaf de 1e van die maand bijstand krijgt
      En de bijstand van € 1.369,06 voor die maand is op de 24e van de maand ervoor binnengekomen en verdeeld
      Als Willem de Vries de betaalrun van <de werkdag ervoor> voorbereidt
      En Willem de Vries de betaalrun van <betaaldag> voorbereidt
      Dan zit de huur niet in de betaalrun van <de werkdag ervoor>
      Maar zit de huur van € 650,00 aan Woonstad Rotterdam voor <vervaldag> wel in de betaalrun van <betaaldag>

      Voorbeelden:
        | vervaldag                | soort dag                                      | betaaldag                  | de werkdag ervoor          |
        | zaterdag 1 augustus 2026 | weekend                                        | vrijdag 31 juli 2026       | donderdag 30 juli 2026     |
        | zondag 1 november 2026   | weekend                                        | vrijdag 30 oktober 2026    | donderdag 29 oktober 2026  |
        | vrijdag 1 januari 2027   | Nieuwjaarsdag                                  | donderdag 31 december 2026 | woensdag 30 december 2026  |
        | dinsdag 1 september 2026 | een gewone werkdag                             | dinsdag 1 september 2026   | maandag 31 augustus 2026   |
        | maandag 6 april 2026     | Paasmaandag, en Goede Vrijdag 3 april ook niet | donderdag 2 april 2026     | woensdag 1 april 2026      |

  Regel: Een tweede medewerker keurt de betaalrun goed; daarna gaat elke betaling één keer naar de bank

    Achtergrond:
      Gegeven een alleenstaande nieuwkomer met bijstand vanaf 1 januari 2026 en deze vaste lasten per maand, te betalen op de 1e van de maand:
        | vaste last      | bedrag   |
        | huur            | € 650,00 |
        | zorgverzekering | € 159,00 |
        | energie         | € 120,00 |
        | water           | € 25,00  |
      En de bijstand voor augustus 2026 van € 1.369,06 is binnengekomen op 24 juli 2026
      En de gemeente heeft augustus 2026 verdeeld op 24 juli 2026
      En Willem de Vries heeft de betaalrun van vrijdag 31 juli 2026 voorbereid

    Scenario: De voorbereider kan de betaalrun niet zelf goedkeuren
      Als Willem de Vries de betaalrun goedkeurt
      Dan wordt dat geweigerd, omdat een andere medewerker de betaalrun moet goedkeuren
      En is de betaalrun voorbereid door Willem de Vries en nog niet goedgekeurd
      Als Anja Bakker de betaalrun goedkeurt
      Dan is de betaalrun goedgekeurd door Anja Bakker

    Scenario: Een betaalrun die niet is goedgekeurd, gaat niet naar de bank
      Als Anja Bakker de betaalrun uitvoert op vrijdag 31 juli 2026
      Dan wordt dat geweigerd, omdat de betaalrun eerst goedgekeurd moet zijn
      En is de betaalrun voorbereid door Willem de Vries en nog niet goedgekeurd
      En staat er op de reserveringen:
        | vaste last      | saldo    |
        | zorgverzekering | € 159,00 |
        | huur            | € 650,00 |
        | energie         | € 120,00 |
        | water           | € 25,00  |

    Scenario: De uitgevoerde betaalrun boekt elke betaling één keer en zet ze in het betaalbestand
      Gegeven Anja Bakker heeft de betaalrun goedgekeurd
      Als Anja Bakker de betaalrun uitvoert op vrijdag 31 juli 2026
      Dan is de betaalrun uitgevoerd
      En staan er in het betaalbestand 4 betalingen voor in totaal € 954,00
      En staan in het betaalbestand deze betalingen:
        | aan                                   | bedrag   |
        | Woonstad Rotterdam                    | € 650,00 |
        | Zilveren Kruis Zorgverzekeringen N.V. | € 159,00 |
        | Eneco Consumenten B.V.                | € 120,00 |
        | Evides N.V.                           | € 25,00  |
      En voldoet het betaalbestand aan de Europese standaard voor overboekingen
      En is elke betaling één keer geboekt
      En staat er op de reserveringen:
        | vaste last      | saldo  |
        | zorgverzekering | € 0,00 |
        | huur            | € 0,00 |
        | energie         | € 0,00 |
        | water           | € 0,00 |

    Scenario: Een betaalrun twee keer uitvoeren betaalt niets twee keer
      Gegeven Anja Bakker heeft de betaalrun goedgekeurd
      En Anja Bakker heeft de betaalrun uitgevoerd op vrijdag 31 juli 2026
      Als Anja Bakker de betaalrun nog een keer uitvoert op vrijdag 31 juli 2026
      Dan is er niets veranderd: geen nieuwe boekingen, dezelfde saldi en hetzelfde betaalbestand
      En staan er in het betaalbestand 4 betalingen voor in totaal € 954,00
