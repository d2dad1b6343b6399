"""Person names by origin, for demo leads and demo staff.

Common first and last names are facts; these lists were put together for Leadwerk's demo data,
weighted towards the DACH region. Kept as comma-separated strings so a list stays a few lines.
Polish surnames are stored in their male form; `surname_for` gives the female form.
"""

from __future__ import annotations

from dataclasses import dataclass


def split_items(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


@dataclass(frozen=True, slots=True)
class NamePool:
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]
    # Probability that a person carries two surnames (Spanish naming custom).
    double_surname: float = 0.0


_GERMAN_FEMALE = split_items(
    "Anna, Lena, Lea, Leonie, Laura, Julia, Sarah, Lisa, Hannah, Sophie, Marie, Johanna, "
    "Katharina, Christina, Sabine, Petra, Monika, Claudia, Andrea, Stefanie, Nicole, Susanne, "
    "Birgit, Heike, Katrin, Anja, Silke, Kerstin, Jutta, Ute, Ursula, Renate, Gabriele, Karin, "
    "Martina, Tanja, Simone, Nadine, Melanie, Franziska, Theresa, Carolin, Charlotte, Emilia, "
    "Mia, Clara, Greta, Frieda, Ida, Jana, Vanessa, Miriam, Annika, Svenja, Maren, Frauke, "
    "Wiebke, Insa, Anke, Dörte, Jördis, Bärbel, Käthe, Lotte, Zoë, Elke, Gudrun, Ingrid, "
    "Hildegard, Antje, Ulrike, Henrike, Mareike, Sünje, Maike, Britta, Jasmin, Nele"
)
_GERMAN_MALE = split_items(
    "Alexander, Andreas, Michael, Thomas, Stefan, Christian, Markus, Martin, Frank, Jürgen, "
    "Jörg, Uwe, Klaus, Dieter, Wolfgang, Peter, Hans, Günter, Horst, Ralf, Matthias, Sebastian, "
    "Tobias, Daniel, Florian, Maximilian, Lukas, Felix, Jonas, Leon, Paul, Niklas, Tim, Jan, "
    "Philipp, Benedikt, Moritz, Björn, Sören, Sönke, Jörn, Malte, Hauke, Ole, Timo, Kai, Nils, "
    "Lars, Henrik, Fabian, Dominik, Marcel, Dennis, Sven, Torsten, Holger, Bernd, Rüdiger, "
    "Götz, Lutz, Volker, Detlef, Carsten, Heiko, Gerd, Joachim, Friedrich, Konstantin, Till, "
    "Linus, Emil, Anton, Jakob, Elias, Noah, Ben, Finn, Luca, Henri, Jürn, Bengt"
)
_GERMAN_LAST = split_items(
    "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, "
    "Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, "
    "Krüger, Hofmann, Hartmann, Lange, Schmitt, Werner, Schmitz, Krause, Meier, Lehmann, "
    "Schulze, Maier, Köhler, Herrmann, König, Walter, Mayer, Kaiser, Fuchs, Peters, Scholz, "
    "Möller, Weiß, Jung, Hahn, Schubert, Vogel, Friedrich, Keller, Günther, Frank, Winkler, "
    "Roth, Beck, Lorenz, Baumann, Franke, Albrecht, Schuster, Ludwig, Böhm, Winter, Kraus, "
    "Schumacher, Krämer, Vogt, Stein, Jäger, Otto, Sommer, Groß, Seidel, Heinrich, Brandt, "
    "Schreiber, Graf, Schulte, Dietrich, Ziegler, Kuhn, Kühn, Pohl, Engel, Horn, Busch, "
    "Bergmann, Voigt, Sauer, Arnold, Wolff, Pfeiffer, Jürgens, Lüdtke, Rößler, Strauß, Voß, "
    "Janßen, Brüggemann, Tödter, Grün, Löffler, Wöhler, Dörr, Göbel, Nöth, Kößler, Thießen, "
    "Claßen, Feldmann, Ohlsen, Petersen, Hansen, Reuter, Brinkmann, Husmann, Wendt, Oetken, "
    "von Bergen, von der Heide, zu Dohna, Mühlenkamp, Bürger, Förster, Gärtner, Häusler"
)
_AUSTRIAN_FEMALE = split_items(
    "Theresa, Katharina, Magdalena, Viktoria, Johanna, Elisabeth, Barbara, Verena, Daniela, "
    "Sandra, Marlene, Sophie, Hannah, Rosa, Leonie, Valentina, Anna-Lena, Carina, Bettina, "
    "Karoline, Sigrid, Hemma, Notburga, Michaela, Lisa-Marie"
)
_AUSTRIAN_MALE = split_items(
    "Florian, Lukas, Stefan, Christoph, Wolfgang, Johannes, Josef, Franz, Leopold, Matthias, "
    "Bernhard, Georg, Harald, Gernot, Reinhard, Ferdinand, Valentin, Jakob, Elias, Markus, "
    "Clemens, Dominik, Kilian, Alois, Herbert"
)
_AUSTRIAN_LAST = split_items(
    "Gruber, Huber, Bauer, Wagner, Pichler, Steiner, Moser, Mayer, Hofer, Leitner, Berger, "
    "Fuchs, Eder, Fischer, Schmid, Winkler, Weber, Schwarz, Maier, Reiter, Mayr, Wimmer, Egger, "
    "Brunner, Lang, Baumgartner, Auer, Binder, Lechner, Wallner, Aigner, Ebner, Koller, Lehner, "
    "Haas, Holzer, Pöll, Strasser, Hölzl, Oberhuber, Wögerbauer, Pölzl, Gößweiner, Stöger, "
    "Grünwald, Haider, Fürst, Krenn, Wurm, Kröpfl, Pürstinger, Hödl, Fröhlich, Schöberl"
)
_SWISS_FEMALE = split_items(
    "Regula, Barbara, Ursula, Corinne, Nadja, Sandra, Andrea, Fabienne, Seraina, Ladina, "
    "Chiara, Lara, Noemi, Jasmin, Anita, Brigitte, Rahel, Salome, Deborah, Mirjam"
)
_SWISS_MALE = split_items(
    "Urs, Beat, Reto, Andreas, Daniel, Thomas, Marco, Lukas, Simon, Fabian, Jürg, Ueli, Res, "
    "Mathias, Christoph, Roman, Pascal, Cédric, Adrian, Gian-Luca"
)
_SWISS_LAST = split_items(
    "Müller, Meier, Schmid, Keller, Weber, Huber, Meyer, Steiner, Fischer, Gerber, Brunner, "
    "Baumann, Frei, Zimmermann, Moser, Widmer, Wyss, Graf, Roth, Kälin, Bühler, Hürlimann, "
    "Zürcher, Näf, Schärer, Stäheli, Küng, Lüthi, Rüegg, Bärtschi, Flückiger, Tschudi, Suter, "
    "Gisler, Zbinden, Hess, Sutter, Aebi, Bösch, Egli, Ammann, Blaser, Räss, Spörri, Züst"
)
_FRENCH_FEMALE = split_items(
    "Camille, Léa, Chloé, Manon, Inès, Émilie, Hélène, Aurélie, Céline, Élodie, Sophie, "
    "Juliette, Margaux, Clémence, Léonie, Zoé, Anaïs, Mathilde, Noémie, Océane, Amélie, "
    "Béatrice, Gaëlle, Maëlle, Sandrine, Nathalie, Isabelle, Valérie, Agnès, Bérénice"
)
_FRENCH_MALE = split_items(
    "Julien, Nicolas, Thomas, Antoine, Mathieu, François, Jérôme, Sébastien, Stéphane, "
    "Frédéric, Grégoire, Théo, Hugo, Lucas, Louis, Raphaël, Maxime, Clément, Benoît, Loïc, Gaël, "
    "Aurélien, Rémi, Cédric, Jean-Luc, Jean-Pierre, Pierre, Olivier, Étienne, Noël"
)
_FRENCH_LAST = split_items(
    "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, "
    "Laurent, Lefèvre, Michel, David, Bertrand, Roux, Vincent, Fournier, Morel, Girard, André, "
    "Lefebvre, Mercier, Dupont, Lambert, Bonnet, François, Legrand, Garnier, Faure, Rousseau, "
    "Blanc, Guérin, Henry, Roussel, Perrin, Morin, Clément, Gauthier, Dumont, Fontaine, "
    "Chevalier, Robin, Masson, Gérard, Boyer, Denis, Lemaire, Duval, Joly, Roche, Noël, Meunier, "
    "Marchand, Dufour, Blanchard, Barbier, Brunet, Leroux, Renard, Arnaud, Caron, Aubert, "
    "Giraud, Leclerc, Bourgeois, Lemoine, Picard, Lacroix, Dupuis, Lévêque, Bénard, Hébert, "
    "Le Goff, de Villiers, Bélanger, Prévost, Thébault"
)
_SPANISH_FEMALE = split_items(
    "María, Lucía, Carmen, Ana, Isabel, Sofía, Paula, Marta, Elena, Laura, Cristina, Raquel, "
    "Beatriz, Irene, Nuria, Pilar, Inés, Rocío, Begoña, Ainhoa, Verónica, Mónica, Ángela, Alba"
)
_SPANISH_MALE = split_items(
    "José, Antonio, Manuel, Francisco, Javier, David, Daniel, Carlos, Jesús, Alejandro, Miguel, "
    "Rafael, Pablo, Sergio, Álvaro, Adrián, Íñigo, Jorge, Andrés, Rubén, Óscar, Iván, Víctor, "
    "Raúl, Joaquín, Ramón"
)
_SPANISH_LAST = split_items(
    "García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, Martín, "
    "Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez, "
    "Navarro, Torres, Domínguez, Vázquez, Ramos, Gil, Ramírez, Serrano, Blanco, Molina, "
    "Morales, Suárez, Ortega, Delgado, Castro, Ortiz, Rubio, Marín, Sanz, Núñez, Iglesias, "
    "Medina, Garrido, Cortés, Castillo, Santos, Lozano, Guerrero, Cano, Prieto, Méndez, Calvo, "
    "Gallego, León, Márquez, Herrera, Peña, Cabrera, Fuentes, Carrasco, Díez, Ibáñez, Durán, "
    "Benítez, Sáez, Velasco, Gallardo, Crespo"
)
_ITALIAN_FEMALE = split_items(
    "Giulia, Francesca, Chiara, Sara, Martina, Valentina, Alessia, Federica, Elisa, Silvia, "
    "Paola, Elena, Laura, Beatrice, Noemi, Aurora, Ginevra, Ilaria, Benedetta"
)
_ITALIAN_MALE = split_items(
    "Marco, Alessandro, Andrea, Luca, Matteo, Lorenzo, Francesco, Davide, Simone, Federico, "
    "Riccardo, Stefano, Giovanni, Giuseppe, Niccolò, Mattia, Fabrizio, Gianluca, Emanuele"
)
_ITALIAN_LAST = split_items(
    "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, "
    "Gallo, Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, Barbieri, "
    "Fontana, Santoro, Mariani, Rinaldi, Caruso, Ferrara, Galli, Martini, Leone, Longo, "
    "Gentile, Martinelli, Vitale, Serra, Coppola, De Santis, D'Angelo, Marchetti, Parisi, "
    "Villa, Conte, Ferri, Fabbri, Bianco, Marini, Grasso, Valentini, Sala, De Rosa, Gatti, "
    "Pellegrini, Palumbo, Farina, Monti, Cattaneo, Morelli, Amato, Silvestri, Benedetti"
)
_POLISH_FEMALE = split_items(
    "Anna, Katarzyna, Małgorzata, Agnieszka, Barbara, Ewa, Krystyna, Elżbieta, Magdalena, "
    "Joanna, Aleksandra, Monika, Zofia, Natalia, Karolina, Justyna, Dorota, Beata, Jolanta, "
    "Grażyna, Weronika, Paulina"
)
_POLISH_MALE = split_items(
    "Piotr, Krzysztof, Andrzej, Tomasz, Paweł, Marcin, Michał, Jakub, Łukasz, Grzegorz, "
    "Mateusz, Wojciech, Mariusz, Dariusz, Zbigniew, Jarosław, Rafał, Bartłomiej, Kamil, Maciej, "
    "Sławomir, Przemysław, Szymon, Jędrzej"
)
_POLISH_LAST = split_items(
    "Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, "
    "Szymański, Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Kwiatkowski, Krawczyk, "
    "Piotrowski, Grabowski, Nowakowski, Pawłowski, Michalski, Nowicki, Adamczyk, Dudek, Zając, "
    "Wieczorek, Jabłoński, Król, Majewski, Olszewski, Jaworski, Wróbel, Malinowski, Pawlak, "
    "Witkowski, Walczak, Stępień, Górski, Rutkowski, Michalak, Sikora, Ostrowski, Baran, Duda, "
    "Szewczyk, Tomaszewski, Pietrzak, Marciniak, Wróblewski, Zalewski, Jakubowski, Zawadzki, "
    "Sadowski, Bąk, Chmielewski, Włodarczyk, Czarnecki, Sawicki, Sokołowski, Kaźmierczak, "
    "Cieślak, Głowacki, Kołodziej, Ziółkowski, Przybylski"
)
_TURKISH_FEMALE = split_items(
    "Ayşe, Fatma, Emine, Hatice, Zeynep, Elif, Özlem, Gülşen, Derya, Esra, Merve, Büşra, Selin, "
    "Ebru, Sibel, Aylin, Deniz, Melike, Şule, Nur, Gizem, Tuğba, Yasemin, Ceren, İrem, Gülay"
)
_TURKISH_MALE = split_items(
    "Mehmet, Mustafa, Ahmet, Ali, Hüseyin, Hasan, İbrahim, İsmail, Osman, Yusuf, Murat, Ömer, "
    "Emre, Burak, Serkan, Kemal, Cem, Can, Barış, Oğuz, Uğur, Gökhan, Tolga, Volkan, Çağlar, "
    "Onur, Kaan, Eren, Tarık, Şahin"
)
_TURKISH_LAST = split_items(
    "Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan, "
    "Doğan, Kılıç, Aslan, Çetin, Kara, Koç, Kurt, Özkan, Şimşek, Polat, Korkmaz, Özer, Güneş, "
    "Aksoy, Bulut, Keskin, Ünal, Acar, Tekin, Taş, Avcı, Yavuz, Güler, Sarı, Aktaş, Uçar, "
    "Bozkurt, Altun, Karaca, Işık, Çakır, Gök, Erdem, Uysal"
)
_SWEDISH_FEMALE = split_items(
    "Ingrid, Astrid, Maja, Elin, Åsa, Märta, Linnéa, Ebba, Saga, Karin, Birgitta, Annika, "
    "Malin, Sofia, Agnes, Ylva, Stina, Frida"
)
_SWEDISH_MALE = split_items(
    "Lars, Anders, Erik, Johan, Magnus, Nils, Björn, Sven, Henrik, Håkan, Per, Torbjörn, "
    "Göran, Åke, Kjell, Leif, Stig, Oskar, Viktor, Gustav"
)
_SWEDISH_LAST = split_items(
    "Andersson, Johansson, Karlsson, Nilsson, Eriksson, Larsson, Olsson, Persson, Svensson, "
    "Gustafsson, Lindqvist, Lindström, Bergström, Sjöberg, Åberg, Söderberg, Lindgren, "
    "Nordström, Ekström, Hägglund, Holmgren, Öberg, Wikström, Sandberg, Löfgren"
)
_DANISH_NORWEGIAN_FEMALE = split_items(
    "Mette, Signe, Ida, Freja, Sofie, Kirsten, Tove, Liv, Hanne, Pernille, Solveig, Ingeborg, "
    "Sigrid, Astrid, Marte, Ragnhild, Birthe, Søs"
)
_DANISH_NORWEGIAN_MALE = split_items(
    "Mikkel, Søren, Jørgen, Ørjan, Ole, Rasmus, Mads, Jesper, Jens, Thor, Pål, Øystein, Frode, "
    "Anders, Kasper, Morten, Bjørn, Håvard, Espen, Torben"
)
_DANISH_NORWEGIAN_LAST = split_items(
    "Jensen, Nielsen, Hansen, Pedersen, Andersen, Christensen, Larsen, Sørensen, Rasmussen, "
    "Jørgensen, Møller, Kristensen, Thomsen, Madsen, Johansen, Olsen, Berg, Haugen, Hagen, "
    "Bakke, Strand, Dahl, Lund, Solberg, Østby, Nygård, Løvås, Kjær, Brøndum, Sæther"
)
_FINNISH_FEMALE = split_items(
    "Aino, Anni, Emilia, Helmi, Johanna, Kaisa, Laura, Minna, Päivi, Riikka, Sanna, Tiina, "
    "Satu, Elina, Heli"
)
_FINNISH_MALE = split_items(
    "Mikko, Jukka, Antti, Timo, Matti, Juha, Ville, Sami, Janne, Petri, Väinö, Eero, Lauri, "
    "Tuomas, Jyrki"
)
_FINNISH_LAST = split_items(
    "Virtanen, Korhonen, Mäkinen, Nieminen, Mäkelä, Hämäläinen, Laine, Heikkinen, Koskinen, "
    "Järvinen, Lehtonen, Lehtinen, Saarinen, Salminen, Heinonen, Niemi, Kinnunen, Salonen, "
    "Turunen, Tuominen, Räsänen, Jääskeläinen"
)
_DUTCH_FEMALE = split_items(
    "Emma, Sanne, Lotte, Fleur, Anouk, Femke, Iris, Eva, Lieke, Sophie, Marieke, Ilse, Esther, "
    "Inge, Annelies, Noor, Maud, Floor"
)
_DUTCH_MALE = split_items(
    "Daan, Bram, Thijs, Sem, Jeroen, Joost, Maarten, Pieter, Sander, Ruben, Wouter, Bas, Koen, "
    "Niels, Stijn, Geert, Joris, Jasper, Floris, Wim"
)
_DUTCH_LAST = split_items(
    "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, Meijer, "
    "de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer, "
    "de Wit, Dijkstra, Smits, de Graaf, van der Meer, van der Linden, Kok, de Haan, Vermeulen, "
    "van den Heuvel, van der Veen, van den Broek, de Bruijn, van der Heijden, Schouten, "
    "van Beek, Willems, van Vliet, Hoekstra, Maas, Verhoeven, Peeters, Maes, Claes, Wouters"
)
_ENGLISH_FEMALE = split_items(
    "Emma, Olivia, Charlotte, Amelia, Sophie, Emily, Jessica, Hannah, Grace, Lucy, Chloe, "
    "Sarah, Rebecca, Rachel, Laura, Megan, Katie, Abigail, Victoria, Jennifer, Elizabeth, "
    "Ashley, Madison, Lauren, Siobhan, Aoife"
)
_ENGLISH_MALE = split_items(
    "James, Oliver, Harry, George, Jack, Thomas, William, Daniel, Matthew, Joshua, Samuel, "
    "Benjamin, Michael, Christopher, David, Andrew, Robert, Richard, Mark, Paul, Ryan, Connor, "
    "Liam, Ethan, Tyler, Brandon, Jason, Kevin, Seán, Ciarán"
)
_ENGLISH_LAST = split_items(
    "Smith, Jones, Williams, Taylor, Brown, Davies, Evans, Wilson, Thomas, Johnson, Roberts, "
    "Robinson, Thompson, Wright, Walker, White, Edwards, Hughes, Green, Hall, Lewis, Harris, "
    "Clarke, Patel, Jackson, Wood, Turner, Cooper, Hill, Ward, Morris, Moore, Clark, Lee, King, "
    "Baker, Harrison, Morgan, Allen, Scott, Phillips, Watson, Davis, Parker, Price, Bennett, "
    "Young, Griffiths, Mitchell, Kelly, Cook, Carter, Richardson, Bailey, Collins, Bell, Shaw, "
    "Murphy, Miller, Khan, Marshall, Anderson, Simpson, Ellis, Adams, Singh, Foster, Chapman, "
    "Powell, Webb, Rogers, Gray, Mason, Hunt, Campbell, Owen, Palmer, Holmes, Barnes, Knight, "
    "Lloyd, Butler, Russell, Fisher, Stevens, Jenkins, Murray, O'Brien, McDonald, O'Connor, "
    "Nguyen, Kim, Rodriguez"
)

POOLS: dict[str, NamePool] = {
    "de": NamePool(_GERMAN_FEMALE, _GERMAN_MALE, _GERMAN_LAST),
    "at": NamePool(
        _AUSTRIAN_FEMALE + _GERMAN_FEMALE[:30], _AUSTRIAN_MALE + _GERMAN_MALE[:30], _AUSTRIAN_LAST
    ),
    "ch": NamePool(
        _SWISS_FEMALE + _GERMAN_FEMALE[:20], _SWISS_MALE + _GERMAN_MALE[:20], _SWISS_LAST
    ),
    "fr": NamePool(_FRENCH_FEMALE, _FRENCH_MALE, _FRENCH_LAST),
    "es": NamePool(_SPANISH_FEMALE, _SPANISH_MALE, _SPANISH_LAST, double_surname=0.4),
    "it": NamePool(_ITALIAN_FEMALE, _ITALIAN_MALE, _ITALIAN_LAST),
    "pl": NamePool(_POLISH_FEMALE, _POLISH_MALE, _POLISH_LAST),
    "tr": NamePool(_TURKISH_FEMALE, _TURKISH_MALE, _TURKISH_LAST),
    "sv": NamePool(_SWEDISH_FEMALE, _SWEDISH_MALE, _SWEDISH_LAST),
    "da": NamePool(_DANISH_NORWEGIAN_FEMALE, _DANISH_NORWEGIAN_MALE, _DANISH_NORWEGIAN_LAST),
    "fi": NamePool(_FINNISH_FEMALE, _FINNISH_MALE, _FINNISH_LAST),
    "nl": NamePool(_DUTCH_FEMALE, _DUTCH_MALE, _DUTCH_LAST),
    "en": NamePool(_ENGLISH_FEMALE, _ENGLISH_MALE, _ENGLISH_LAST),
}

_POLISH_FEMININE = (("cki", "cka"), ("dzki", "dzka"), ("ski", "ska"))


def surname_for(origin: str, surname: str, female: bool) -> str:
    """Polish adjectival surnames take the feminine ending: Kowalski → Kowalska."""
    if origin == "pl" and female:
        for male_end, female_end in _POLISH_FEMININE:
            if surname.endswith(male_end):
                return surname[: -len(male_end)] + female_end
    return surname
