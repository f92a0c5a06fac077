# Shared by the generators here: two good lines of policy.regel and the
# fields of a third, ST2, to build damaged lines from.
OK1='{"hsaId": "ST1", "namn": "Karin Lindén", "manader": 12, "legitimerad": true, "start": "2024-01-15", "bt": "klar", "anstallning": {"arbetsplats": "VC1", "grad": 100}, "kurser": [{"namn": "Ledarskap", "klar": "2025-05-01"}]}'
OK3='{"hsaId": "ST3", "namn": "Ali Haddad", "manader": 30, "legitimerad": false, "start": "2023-09-01", "bt": "pågående", "anstallning": {"arbetsplats": "VC3", "grad": 62.5}, "kurser": [], "handledare": "Eva Berg"}'
REST='"manader": 10, "legitimerad": true, "start": "2024-03-01", "bt": "klar", "anstallning": {"arbetsplats": "VC2", "grad": 75}, "kurser": [{"namn": "Etik"}]'
