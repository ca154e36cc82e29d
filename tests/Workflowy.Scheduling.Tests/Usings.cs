global using System;
global using System.Collections.Generic;
global using System.Linq;
global using System.Threading.Tasks;
global using Microsoft.Extensions.Time.Testing;
global using Workflowy;
global using Workflowy.Scheduling;
global using Xunit;
