"""The synthetic minor league: seeded prospects with latent talent, careers, stats and grades."""

from prospects.league.generator import LeagueSummary, clear_league, generate_league, league_is_empty

__all__ = ["LeagueSummary", "clear_league", "generate_league", "league_is_empty"]
