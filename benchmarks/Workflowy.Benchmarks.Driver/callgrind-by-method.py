"""Instructions per task by method, from two callgrind runs of the driver with different round counts.

Usage (tiered compilation off, perf maps on, so that JIT-compiled methods can be named):
  for n in 1 4; do DOTNET_PerfMapEnabled=1 DOTNET_TieredCompilation=0 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 \
    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n dotnet bin/Release/net10.0/Workflowy.Benchmarks.Driver.dll B workflowy $n; done
  python3 callgrind-by-method.py /tmp/cg.1 /tmp/perf-<pid of run 1>.map /tmp/cg.4 /tmp/perf-<pid of run 4>.map 30000
The last argument is the number of tasks between the two runs (3 rounds of 10,000 for B). Addresses that fall in no
perf-map entry (stubs, helpers) are summed as "jit?".
"""
import sys,re,bisect,collections
def load_map(path):
    ents=[]
    for line in open(path):
        parts=line.rstrip('\n').split(' ',2)
        if len(parts)<3: continue
        try: a=int(parts[0],16); sz=int(parts[1],16)
        except: continue
        ents.append((a,sz,parts[2]))
    ents.sort()
    return ents
def totals(cg, mp):
    ents=load_map(mp); starts=[e[0] for e in ents]
    out=collections.Counter()
    import subprocess
    txt=subprocess.run(['callgrind_annotate','--inclusive=no','--threshold=100',cg],capture_output=True,text=True).stdout
    for line in txt.splitlines():
        m=re.match(r'\s*([\d,]+)\s+\([^)]*\)\s+(.*)$',line)
        if not m: continue
        n=int(m.group(1).replace(',','')); name=m.group(2)
        if 'PROGRAM TOTALS' in name: continue
        h=re.search(r'\?\?\?:0x([0-9a-f]+) \[\?\?\?\]',name)
        if h:
            a=int(h.group(1),16); i=bisect.bisect_right(starts,a)-1
            if i>=0 and ents[i][0]<=a<ents[i][0]+ents[i][1]:
                name=re.sub(r'\[(Optimized|QuickJitted|Instrumented)[^\]]*\]','',ents[i][2])
            else: name='jit?'
        else:
            name=re.sub(r'0x[0-9a-f]+','0x?',name)
        out[name]+=n
    return out
a=totals(sys.argv[1],sys.argv[2]); b=totals(sys.argv[3],sys.argv[4]); per=float(sys.argv[5])
d={k:(b[k]-a[k])/per for k in set(a)|set(b)}
tot=sum(d.values())
print('total per task %.0f'%tot)
for k,v in sorted(d.items(),key=lambda x:-x[1])[:45]:
    print('%8.0f  %s'%(v,k[:160]))
