# language: nl
Functionaliteit: Het bankafschrift laat zien of de bank de betalingen heeft uitgevoerd
  Elke werkdag leest de gemeente het dagafschrift van haar rekening bij de BNG Bank in. Op het
  afschrift staat elke betaling die de bank heeft uitgevoerd. Daarmee is de betaling bevestigd.
  Soms komt een betaling terug. De bank geeft dan een reden, bijvoorbeeld AC04: de rekening van
  de schuldeiser is opgeheven. Het systeem zet het geld dan terug op de reservering van die vaste
  last. De coach krijgt een signaal met de reden in gewone woorden. Zolang de coach daar niet naar
  heeft gekeken, betaalt de betaalrun niets voor dit huishouden.
  Leest iemand hetzelfde afschrift nog een keer in, dan verandert er niets.

  Achtergrond:
    Gegeven de gemeente Rotterdam met het standaardbeleid
    En de gemeente betaalt vanaf haar rekening NL14 BNGH 0285 0012 34 bij de BNG Bank
    En een alleenstaande nieuwkomer met bijstand vanaf 1 januari 2026 en deze vaste lasten per maand, te betalen op de 1e van de maand:
      | vaste last      | bedrag   |
      | huur            | € 650,00 |
      | zorgverzekering | € 159,00 |
      | energie         | € 120,00 |
      | water           | € 25,00  |
    En de bijstand voor augustus 2026 van € 1.369,06 is binnengekomen op 24 juli 2026
    En de gemeente heeft augustus 2026 verdeeld op 24 juli 2026
    En de betaalrun van vrijdag 31 juli 2026 is voorbereid door Willem de Vries, goedgekeurd door Anja Bakker en uitgevoerd

  Scenario: Het bankafschrift bevestigt de betalingen van de betaalrun
    Als het bankafschrift van vrijdag 31 juli 2026 wordt ingelezen, met deze betalingen:
      | aan                                   | bedrag   |
      | Woonstad Rotterdam                    | € 650,00 |
      | Zilveren Kruis Zorgverzekeringen N.V. | € 159,00 |
      | Eneco Consumenten B.V.                | € 120,00 |
      | Evides N.V.                           | € 25,00  |
    Dan zijn 4 betalingen bevestigd
    En hebben de betalingen deze status:
      | vaste last      | status  |
      | zorgverzekering | betaald |
      | huur            | betaald |
      | energie         | betaald |
      | water           | betaald |
    En zijn er geen boekingen bijgekomen en zijn alle saldi gelijk gebleven

  Scenario: Een teruggekomen betaling gaat terug naar de reservering en geeft een signaal
    Als het bankafschrift van maandag 3 augustus 2026 wordt ingelezen, waarop de huur van € 650,00 aan Woonstad Rotterdam terugkomt met reden AC04
    Dan is 1 betaling teruggekomen
    En is die betaling één keer teruggeboekt
    En staat er op de reserveringen:
      | vaste last      | saldo    |
      | zorgverzekering | € 0,00   |
      | huur            | € 650,00 |
      | energie         | € 0,00   |
      | water           | € 0,00   |
    En hebben de betalingen deze status:
      | vaste last      | status       |
      | zorgverzekering | verstuurd    |
      | huur            | teruggekomen |
      | energie         | verstuurd    |
      | water           | verstuurd    |
    En krijgt de coach een signaal dat de betaling van € 650,00 aan Woonstad Rotterdam is teruggekomen, met de uitleg "De rekening van de ontvanger is opgeheven."
    Als Willem de Vries de betaalrun van maandag 3 augustus 2026 voorbereidt
    Dan houdt de betaalrun het huishouden tegen, omdat er een signaal over een teruggekomen betaling openstaat
    En betaalt de betaalrun niets voor dit huishouden, ook het leefgeld niet

  Scenario: Hetzelfde bankafschrift twee keer inlezen verandert niets
    Gegeven het bankafschrift van vrijdag 31 juli 2026 is ingelezen, met deze betalingen:
      | aan                                   | bedrag   |
      | Woonstad Rotterdam                    | € 650,00 |
      | Zilveren Kruis Zorgverzekeringen N.V. | € 159,00 |
      | Eneco Consumenten B.V.                | € 120,00 |
      | Evides N.V.                           | € 25,00  |
    Als hetzelfde bankafschrift op maandag 3 augustus 2026 nog een keer wordt ingelezen
    Dan herkent het systeem dat dit afschrift al is ingelezen
    En hebben de betalingen deze status:
      | vaste last      | status  |
      | zorgverzekering | betaald |
      | huur            | betaald |
      | energie         | betaald |
      | water           | betaald |
    En zijn er geen boekingen bijgekomen en zijn alle saldi gelijk gebleven
