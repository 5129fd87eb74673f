/* consent platform loader stand-in */
