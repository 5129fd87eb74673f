/* stand-in for a tracker script */
