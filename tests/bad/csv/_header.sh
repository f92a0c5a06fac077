# Shared by the generators here: the header and two good rows of policy.regel.
H='HSA-id,Namn,Listade,Tjänstgöringsgrad,Kvalitet,Start,Status,Platser'
OK1='VC1,Vårdcentralen Åmål,6230,0.75,ja,2024-01-15,aktiv,2'
OK3='VC3,Vårdcentralen Lerum,1400,0.25,nej,2025-06-30,avslutad (stängd),'
