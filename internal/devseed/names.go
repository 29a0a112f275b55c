package devseed

// Names from many places, so lists and searches look like a real user base.
// "Display|ascii" gives the address form of a name that is not plain ASCII.
var firstNames = []string{
	"Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Mia", "James",
	"Charlotte", "William", "Ava", "Benjamin", "Isabella", "Lucas", "Harper", "Henry", "Evelyn", "Theodore",
	"Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Meera", "Arjun", "Kavya", "Ishaan", "Diya",
	"Wei", "Mei", "Jun", "Li", "Hao", "Xin", "Yuki", "Haruto", "Sakura", "Ren",
	"Min-jun|minjun", "Ji-woo|jiwoo", "Seo-yeon|seoyeon", "Hyun", "Mohammed", "Fatima", "Omar", "Aisha", "Yusuf", "Layla",
	"José|jose", "María|maria", "Lucía|lucia", "Mateo", "Sofía|sofia", "Diego", "Valentina", "Santiago", "Camila", "Joaquín|joaquin",
	"Chloé|chloe", "Léa|lea", "Hugo", "Louis", "Manon", "Gabriel", "Élodie|elodie", "Jules", "Inès|ines", "Raphaël|raphael",
	"Lukas", "Anna", "Finn", "Lena", "Jonas", "Mia", "Felix", "Emilia", "Paul", "Marie",
	"Søren|soren", "Astrid", "Björn|bjorn", "Ingrid", "Lars", "Freja", "Magnus", "Sigrid", "Erik", "Elin",
	"Łukasz|lukasz", "Zofia", "Jakub", "Agnieszka", "Tomasz", "Katarzyna", "Ivan", "Olga", "Dmitri", "Natalia",
	"Chidi", "Ngozi", "Kwame", "Amara", "Tunde", "Zainab", "Kofi", "Abena", "Sipho", "Thandiwe",
	"Giulia", "Marco", "Francesca", "Alessandro", "Chiara", "Matteo", "Zoë|zoe", "Noé|noe", "Aoife", "Cian",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Anderson",
	"Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
	"García|garcia", "Rodríguez|rodriguez", "Martínez|martinez", "López|lopez", "González|gonzalez", "Hernández|hernandez", "Pérez|perez", "Sánchez|sanchez", "Ramírez|ramirez", "Torres",
	"Müller|muller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schulz",
	"Dubois", "Lefèvre|lefevre", "Moreau", "Laurent", "Girard", "Bonnet", "Rousseau", "Fontaine", "Chevalier", "Mercier",
	"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
	"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
	"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Kim", "Lee", "Park", "Choi", "Jung",
	"Patel", "Sharma", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Das", "Bose",
	"Nowak", "Kowalski", "Wiśniewski|wisniewski", "Ivanov", "Petrov", "Novak", "Horvat", "Jensen", "Nielsen", "Andersson",
	"Okafor", "Adeyemi", "Mensah", "Owusu", "Diallo", "Nkosi", "Haddad", "Khan", "Hussain", "Rahman",
	"O'Brien|obrien", "Murphy", "Kelly", "Byrne", "Walsh", "Silva", "Santos", "Oliveira", "Costa", "Pereira",
}

// Documentation domains (RFC 2606) only: a seeded database can never mail a
// real person.
var domains = []string{
	"example.com", "example.org", "example.net", "mail.example.com", "acme.example",
	"globex.example", "initech.example", "umbrella.example", "hooli.example", "stark.example",
}

// Documentation address blocks (RFC 5737).
var ipPrefixes = []string{"192.0.2", "198.51.100", "203.0.113"}

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
}
