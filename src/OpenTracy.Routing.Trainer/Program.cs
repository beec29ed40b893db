using System.CommandLine;
using OpenTracy.Routing.Trainer;

var command = TrainerCommand.Create(Console.Out, Console.Error);
return await command.Parse(args).InvokeAsync();
