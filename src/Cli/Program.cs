using System.CommandLine;

// memplat: the command-line program behind ./memplat. Each command group lives in Commands/.
var root = new RootCommand("MemoryPlatform: long documents as compressed LLM memory");
return root.Parse(args).Invoke();
