#!/usr/bin/python3
"""Pick the toy English vocabulary: candidate words whose espeak-ng phoneme strings (en-us and en-gb,
in isolation) are all distinct, so no two output words sound the same. Number words win over their
homophones (two/to, four/for, one/won, eight/ate). Writes words.json."""
import json, os, subprocess
from multiprocessing import Pool

HERE = os.path.dirname(os.path.abspath(__file__))
NUMBERS = ('zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen '
           'seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred').split()
WORDS = '''the a an and or but is are was were be been have has had do does did not no yes i you he she it we they
me him her us them my your his our this that these those what when where who why how which in on at of with from by
about into over under after before up down out off can will would should could must may all some any many much more
most very just only also now then here today tomorrow tonight yesterday please thank hello goodbye okay sorry
time day week month year morning evening night minute hour people man woman child friend family house home room door
window car bus train station city street road school office meeting team company market price money water food coffee
tea music phone computer system server stream video audio camera message email report news weather rain snow sun wind
fire alarm emergency doctor hospital police building floor kitchen garden park river bridge airport flight ticket hotel
table chair book paper letter story question answer problem idea plan project number name word voice language light
power energy network data record event game player ball dog cat bird horse fish tree flower mountain lake island world
country government president night sky moon star
go come see look watch listen speak talk say tell ask call start stop open close begin finish wait help need want like
love make take give get put bring send read play work live leave move turn run walk drive fly eat drink sleep sell pay
find lose keep think understand remember forget learn teach show check test change use try follow meet visit build cook
clean wash carry hold sit stand fall grow win ringing starts arrives leaves begins
good bad new old big small long short high low hot cold warm fast slow early late happy sad ready busy free important
easy hard clear quiet loud dark bright red blue green yellow black white brown first last next every other same
different great little young strong simple safe full empty real true wrong right left
minutes hours days years people friends children questions'''.split()

def phon(w):
    return tuple(subprocess.run(['espeak-ng', '-v', v, '-q', '-x', w], capture_output=True, text=True).stdout.strip()
                 for v in ('en-us', 'en-gb'))

if __name__ == '__main__':
    cand = list(dict.fromkeys(NUMBERS + WORDS))
    with Pool(2) as p: ph = p.map(phon, cand)
    seen, keep, dropped = {}, [], []
    for w, (us, gb) in zip(cand, ph):
        clash = seen.get(('us', us)) or seen.get(('gb', gb))
        if clash: dropped.append((w, clash)); continue
        seen[('us', us)] = w; seen[('gb', gb)] = w; keep.append(w)
    json.dump({'numbers': NUMBERS, 'words': keep}, open(os.path.join(HERE, 'words.json'), 'w'), indent=0)
    print(len(keep), 'words; dropped (homophone of):', dropped)
