"""Microsoft Graph (app-only): the only package that imports msgraph, kiota and
azure.identity. `GraphCalendar` implements the Directory port (bot/directory.py) and
bot.coffee.ports.CalendarPort."""
