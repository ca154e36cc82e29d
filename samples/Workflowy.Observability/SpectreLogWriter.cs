using System;
using System.IO;
using System.Text;
using Spectre.Console;

namespace Workflowy.Observability;

/// <summary>
/// While the live display runs, log lines must not be written around it: the console logger is pointed at this
/// writer (it captures <see cref="Console.Error"/> when it is created), which hands each complete line to
/// Spectre.Console, and Spectre prints it above the progress bars.
/// </summary>
internal sealed class SpectreLogWriter : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_line)
        {
            if (value == '\n')
            {
                var text = _line.ToString().TrimEnd('\r');
                _line.Clear();
                AnsiConsole.Console.Write(new Text(text + Environment.NewLine, new Style(Color.Grey)));
            }
            else
            {
                _line.Append(value);
            }
        }
    }

    public override void Write(string? value)
    {
        if (value is null)
        {
            return;
        }

        lock (_line)
        {
            foreach (var c in value)
            {
                Write(c);
            }
        }
    }
}
